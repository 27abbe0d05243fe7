import { Body, Controller, Get, Headers, HttpCode, Inject, NotFoundException, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  ContentDeliveryQuery,
  ContentEntry,
  ContentEntryPage,
  ContentSubjects,
  CreateEntryRequest,
  DeliveredEntry,
  ENTRY_ID_PATTERN,
  EntryDraftChanges,
  EntryHistory,
  ListEntriesRequest,
  PublishEntryBody,
  RollbackEntryBody,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { changeCall, requireIfMatch } from './content-http';

function entryId(id: string): string {
  if (!ENTRY_ID_PATTERN.test(id)) throw new NotFoundException(`no entry with id "${id.slice(0, 64)}"`);
  return id;
}

@ApiTags('content management')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/content/entries')
export class ContentEntriesController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an entry (admin)', description: 'Creates the draft, validated against its type; channels see nothing until it is published. ETag holds the draft version.' })
  @ApiResponse({ status: 400, description: 'a field does not fit the type; `details` names its path, e.g. fields.title.de' })
  @ApiResponse({ status: 409, description: 'the slug is taken within the type' })
  async create(@Body() body: CreateEntryRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentEntry> {
    const entry = await this.services.request<ContentEntry>(ContentSubjects.createEntry, body);
    void reply.header('etag', `"${entry.draft.version}"`).header('location', `/v1/content/entries/${entry.id}`);
    return entry;
  }

  @Get()
  @ApiOperation({ summary: 'List entries with their drafts (admin)' })
  list(@Query() query: ListEntriesRequest): Promise<ContentEntryPage> {
    return this.services.request<ContentEntryPage>(ContentSubjects.listEntries, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an entry: draft, published version and schedule (admin)', description: 'ETag holds the draft version.' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentEntry> {
    const entry = await this.services.request<ContentEntry>(ContentSubjects.getEntry, { id: entryId(id) });
    void reply.header('etag', `"${entry.draft.version}"`);
    return entry;
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Save the draft (admin)', description: 'Members you send replace the stored ones. Channels keep reading the published version.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag (draft version) you changed' })
  @ApiResponse({ status: 412, description: 'the draft changed since you read it' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(@Param('id') id: string, @Body() changes: EntryDraftChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentEntry> {
    const expectedVersion = requireIfMatch(versionFromIfMatch(ifMatch), 'entry');
    const entry = await changeCall(() => this.services.request<ContentEntry>(ContentSubjects.updateEntry, { id: entryId(id), expectedVersion, changes }), true);
    void reply.header('etag', `"${entry.draft.version}"`);
    return entry;
  }

  @Post(':id/publish')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish the draft now, or schedule it (admin)',
    description: 'Without `publishAt`, the draft becomes a new published version at once. With it, the draft as it is now is published at that time. Publishing an already published draft version changes nothing.',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'publish only if the draft is still at this ETag' })
  async publish(@Param('id') id: string, @Body() body: PublishEntryBody, @Headers('if-match') ifMatch: string | undefined): Promise<ContentEntry> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    return changeCall(() => this.services.request<ContentEntry>(ContentSubjects.publishEntry, { id: entryId(id), expectedVersion, ...body }), expectedVersion !== undefined);
  }

  @Post(':id/unschedule')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a scheduled publication (admin)' })
  unschedule(@Param('id') id: string): Promise<ContentEntry> {
    return this.services.request<ContentEntry>(ContentSubjects.unscheduleEntry, { id: entryId(id) });
  }

  @Post(':id/unpublish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw the entry from every channel (admin)', description: 'The history stays; publish or roll back to show it again.' })
  unpublish(@Param('id') id: string): Promise<ContentEntry> {
    return this.services.request<ContentEntry>(ContentSubjects.unpublishEntry, { id: entryId(id) });
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish an earlier version again, as a new version (admin)', description: 'The draft is not changed.' })
  @ApiResponse({ status: 404, description: 'no such entry or version' })
  @ApiResponse({ status: 409, description: 'that version no longer fits the type' })
  rollback(@Param('id') id: string, @Body() body: RollbackEntryBody): Promise<ContentEntry> {
    return this.services.request<ContentEntry>(ContentSubjects.rollbackEntry, { id: entryId(id), ...body });
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'Published versions, newest first (admin)' })
  versions(@Param('id') id: string): Promise<EntryHistory> {
    return this.services.request<EntryHistory>(ContentSubjects.entryHistory, { id: entryId(id) });
  }

  @Get(':id/preview')
  @ApiOperation({ summary: 'The draft as a channel would see it once published (admin)', description: 'Same shape and rules as the delivery API.' })
  preview(@Param('id') id: string, @Query() query: ContentDeliveryQuery): Promise<DeliveredEntry> {
    return this.services.request<DeliveredEntry>(ContentSubjects.previewEntry, { id: entryId(id), ...query });
  }
}
