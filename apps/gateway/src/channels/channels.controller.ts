import { Body, Controller, Delete, ForbiddenException, Get, Headers, HttpCode, HttpException, HttpStatus, Inject, NotFoundException, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  CODE_PATTERN,
  Channel,
  ChannelChanges,
  ChannelList,
  ChannelSync,
  ChannelsSubjects,
  CreateChannelRequest,
  CreateWebhookBody,
  CreatedWebhook,
  DeadLetterList,
  DeadLetterQuery,
  FEED_ENTRY_ID_PATTERN,
  FeedPage,
  FeedQuery,
  RedriveReply,
  SyncQuery,
  WEBHOOK_ID_PATTERN,
  Webhook,
  WebhookList,
} from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Principal } from '../auth/api-keys';
import { Roles } from '../auth/api-key.guard';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/http-errors';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { ChannelStreams } from './channel-streams';

/** A channel key reads its own channel only; admin keys read every channel. */
export function mayRead(principal: Principal, channel: string): boolean {
  return principal.role === 'admin' || principal.channel === channel;
}

/** The cursor to resume from: `Last-Event-ID` (a reconnecting EventSource) wins over `after`. */
export function resumeCursor(lastEventId: string | undefined, after: string | undefined): string | undefined {
  const fromHeader = lastEventId?.trim();
  return fromHeader ? fromHeader : after;
}

@ApiTags('channels')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/channels')
export class ChannelsController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    private readonly streams: ChannelStreams,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a sales channel (admin)', description: 'Its view starts with a snapshot of every product it sells, built in the background; the feed fills as it goes.' })
  @ApiResponse({ status: 409, description: 'the code is already used' })
  async create(@Body() body: CreateChannelRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Channel> {
    const channel = await this.services.request<Channel>(ChannelsSubjects.createChannel, body);
    void reply.header('etag', `"${channel.version}"`).header('location', `/v1/channels/${channel.code}`);
    return channel;
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List sales channels (admin)' })
  list(): Promise<ChannelList> {
    return this.services.request<ChannelList>(ChannelsSubjects.listChannels, {});
  }

  @Get(':channel')
  @ApiOperation({ summary: 'Get a sales channel', description: 'Channel keys read their own channel only.' })
  async get(@Param('channel') channel: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Channel> {
    this.readable(channel, principal);
    const found = await this.services.request<Channel>(ChannelsSubjects.getChannel, { code: channel });
    void reply.header('etag', `"${found.version}"`);
    return found;
  }

  @Patch(':channel')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a sales channel (admin)', description: 'Send the ETag you read in If-Match. New assortment, price, stock or locale rules rebuild the channel view: entries appear for what changes.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 412, description: 'the channel changed since you read it' })
  async update(@Param('channel') channel: string, @Body() changes: ChannelChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Channel> {
    this.known(channel);
    const expectedVersion = versionFromIfMatch(ifMatch);
    if (expectedVersion === undefined) throw new HttpException(errorBody(428, 'send If-Match with the ETag of the channel you read', [{ field: 'If-Match', problem: 'is required' }]), HttpStatus.PRECONDITION_REQUIRED);
    try {
      const updated = await this.services.request<Channel>(ChannelsSubjects.updateChannel, { code: channel, expectedVersion, changes });
      void reply.header('etag', `"${updated.version}"`);
      return updated;
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'VERSION_CONFLICT') throw new HttpException(errorBody(412, err.body.message, err.body.details), HttpStatus.PRECONDITION_FAILED);
      throw err;
    }
  }

  @Post(':channel/resync')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Rebuild a channel view from the service copies (admin)', description: 'Repairs drift: every product is recomputed, and an entry is appended where the stored view differs.' })
  resync(@Param('channel') channel: string): Promise<Channel> {
    this.known(channel);
    return this.services.request<Channel>(ChannelsSubjects.resyncChannel, { code: channel });
  }

  @Get(':channel/feed')
  @ApiOperation({
    summary: "Read a channel's delta feed",
    description:
      'The changes to the channel view after `after`, in order: per product, only the fields that changed (a JSON merge patch), or a removal. Without `after`: from the start (the snapshot, then every change). Pass `nextCursor` as `after` to read on; any earlier cursor reads the same entries again.',
  })
  async feed(@Param('channel') channel: string, @Query() query: FeedQuery, @CurrentPrincipal() principal: Principal): Promise<FeedPage> {
    this.readable(channel, principal);
    return this.services.request<FeedPage>(ChannelsSubjects.readFeed, { channel, ...query, acknowledge: principal.role === 'channel' });
  }

  @Get(':channel/stream')
  @ApiOperation({
    summary: "A channel's feed as Server-Sent Events",
    description: 'Each entry is an `entry` event whose id is its cursor; reconnect with `Last-Event-ID` (or `after`) to resume. Comment lines keep an idle stream open.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received: the stream resumes after it' })
  async stream(
    @Param('channel') channel: string,
    @Query() query: FeedQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.readable(channel, principal);
    const after = resumeCursor(lastEventId, query.after);
    // Read once before taking over the response: an unknown channel or a bad cursor is still a plain HTTP error.
    const first = await this.services.request<FeedPage>(ChannelsSubjects.readFeed, { channel, limit: 200, ...(after ? { after } : {}), acknowledge: principal.role === 'channel' && !!after });
    reply.hijack();
    this.streams.start(channel, first, reply.raw, (listener) => request.raw.once('close', listener));
  }

  @Get(':channel/sync')
  @ApiOperation({
    summary: 'How far in sync a channel is',
    description: 'Feed position, the lag of the channel own reader and of each webhook (entries and seconds), failures and dead letters, the sources followed. With `check=true`, also compares the channel view with catalog, pricing and inventory and lists the drift.',
  })
  async sync(@Param('channel') channel: string, @Query() query: SyncQuery, @CurrentPrincipal() principal: Principal): Promise<ChannelSync> {
    this.readable(channel, principal);
    const check = query.check === 'true';
    return this.services.request<ChannelSync>(ChannelsSubjects.getSync, { channel, check }, check ? 120_000 : undefined);
  }

  @Post(':channel/webhooks')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Subscribe a URL to a channel feed (admin)',
    description: 'Each entry is POSTed, signed (x-omnibus-signature: sha256=HMAC(secret, timestamp + "." + body)), retried with backoff, in order per product, and dead-lettered after the last attempt. The secret is returned only here. Private, loopback and link-local targets are refused.',
  })
  async createWebhook(@Param('channel') channel: string, @Body() body: CreateWebhookBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<CreatedWebhook> {
    this.known(channel);
    const created = await this.services.request<CreatedWebhook>(ChannelsSubjects.createWebhook, { channel, ...body });
    void reply.header('location', `/v1/channels/${channel}/webhooks/${created.id}`).header('cache-control', 'no-store');
    return created;
  }

  @Get(':channel/webhooks')
  @Roles('admin')
  @ApiOperation({ summary: "List a channel's webhooks (admin)" })
  listWebhooks(@Param('channel') channel: string): Promise<WebhookList> {
    this.known(channel);
    return this.services.request<WebhookList>(ChannelsSubjects.listWebhooks, { channel });
  }

  @Get(':channel/webhooks/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Get a webhook (admin)' })
  getWebhook(@Param('channel') channel: string, @Param('id') id: string): Promise<Webhook> {
    this.knownWebhook(channel, id);
    return this.services.request<Webhook>(ChannelsSubjects.getWebhook, { channel, id });
  }

  @Delete(':channel/webhooks/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a webhook (admin)', description: 'What it had not delivered yet is dropped.' })
  deleteWebhook(@Param('channel') channel: string, @Param('id') id: string): Promise<Webhook> {
    this.knownWebhook(channel, id);
    return this.services.request<Webhook>(ChannelsSubjects.deleteWebhook, { channel, id });
  }

  @Get(':channel/webhooks/:id/dead-letters')
  @Roles('admin')
  @ApiOperation({ summary: 'Entries a webhook gave up on (admin)' })
  deadLetters(@Param('channel') channel: string, @Param('id') id: string, @Query() query: DeadLetterQuery): Promise<DeadLetterList> {
    this.knownWebhook(channel, id);
    return this.services.request<DeadLetterList>(ChannelsSubjects.listDeadLetters, { channel, id, ...query });
  }

  @Post(':channel/webhooks/:id/dead-letters/redrive')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send every dead letter of a webhook again (admin)' })
  redriveAll(@Param('channel') channel: string, @Param('id') id: string): Promise<RedriveReply> {
    this.knownWebhook(channel, id);
    return this.services.request<RedriveReply>(ChannelsSubjects.redriveDeadLetters, { channel, id });
  }

  @Post(':channel/webhooks/:id/dead-letters/:entryId/redrive')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one dead letter again (admin)', description: 'Its attempts start over.' })
  redrive(@Param('channel') channel: string, @Param('id') id: string, @Param('entryId') entryId: string): Promise<RedriveReply> {
    this.knownWebhook(channel, id);
    if (!FEED_ENTRY_ID_PATTERN.test(entryId)) throw new NotFoundException(`no dead letter "${entryId.slice(0, 64)}"`);
    return this.services.request<RedriveReply>(ChannelsSubjects.redriveDeadLetters, { channel, id, entryId });
  }

  private known(channel: string): void {
    if (!CODE_PATTERN.test(channel)) throw new NotFoundException(`no channel "${channel.slice(0, 64)}"`);
  }

  private knownWebhook(channel: string, id: string): void {
    this.known(channel);
    if (!WEBHOOK_ID_PATTERN.test(id)) throw new NotFoundException(`no webhook "${id.slice(0, 64)}"`);
  }

  private readable(channel: string, principal: Principal): void {
    this.known(channel);
    if (!mayRead(principal, channel)) throw new ForbiddenException(`your key reads the ${principal.channel} channel only`);
  }
}
