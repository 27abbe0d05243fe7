import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ContentSubjects, ContentType, ContentTypeChanges, ContentTypeList, CreateContentTypeRequest } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { changeCall, requireIfMatch } from './content-http';

@ApiTags('content management')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/content/types')
export class ContentTypesController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a content type (admin)', description: 'Fields: text, richText, image, productRef, categoryRef, list (with `of`); each may be required and localized.' })
  @ApiResponse({ status: 409, description: 'the code is taken' })
  async create(@Body() body: CreateContentTypeRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentType> {
    const type = await this.services.request<ContentType>(ContentSubjects.createType, body);
    void reply.header('etag', `"${type.version}"`).header('location', `/v1/content/types/${type.code}`);
    return type;
  }

  @Get()
  @ApiOperation({ summary: 'List content types (admin)' })
  list(): Promise<ContentTypeList> {
    return this.services.request<ContentTypeList>(ContentSubjects.listTypes, {});
  }

  @Get(':code')
  @ApiOperation({ summary: 'Get a content type (admin)', description: 'ETag holds its version.' })
  async get(@Param('code') code: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentType> {
    const type = await this.services.request<ContentType>(ContentSubjects.getType, { code: code.slice(0, 64) });
    void reply.header('etag', `"${type.version}"`);
    return type;
  }

  @Patch(':code')
  @ApiOperation({
    summary: 'Change a content type (admin)',
    description:
      'Members you send replace the stored ones (`fields` as a whole list). Removing a field, or changing its kind or localization, is refused (409) while entries hold values for it; tighter rules apply to each entry from its next save or publish.',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 409, description: 'entries still use a field the change removes or reshapes' })
  @ApiResponse({ status: 412, description: 'the type changed since you read it' })
  async update(@Param('code') code: string, @Body() changes: ContentTypeChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<ContentType> {
    const expectedVersion = requireIfMatch(versionFromIfMatch(ifMatch), 'content type');
    const type = await changeCall(() => this.services.request<ContentType>(ContentSubjects.updateType, { code: code.slice(0, 64), expectedVersion, changes }), true);
    void reply.header('etag', `"${type.version}"`);
    return type;
  }
}
