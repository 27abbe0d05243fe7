import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CODE_PATTERN, ContentDeliveryListQuery, ContentDeliveryQuery, ContentSubjects, DeliveredEntry, DeliveredEntryPage, ResolvedProductRef, SLUG_PATTERN } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { SERVICE_CLIENT } from '../tokens';
import { deliveryChannel } from './content-http';

function typeCode(type: string): string {
  if (!CODE_PATTERN.test(type)) throw new NotFoundException(`there is no content type "${type.slice(0, 64)}"`);
  return type;
}

@ApiTags('content delivery')
// The shape of a product reference with resolve=products (fields are free-form per type).
@ApiExtraModels(ResolvedProductRef)
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/content/delivery')
export class ContentDeliveryController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get(':type')
  @ApiOperation({
    summary: 'Published entries of a type, as your channel sees them',
    description:
      'Sorted by slug; pages follow `nextCursor`. `filter=name:value,…` matches text (not localized), productRef and categoryRef fields and lists of them. Channel keys read their own channel; admin keys read the default content, or a channel with `channel=`.',
  })
  list(@Param('type') type: string, @Query() query: ContentDeliveryListQuery, @CurrentPrincipal() principal: Principal): Promise<DeliveredEntryPage> {
    return this.services.request<DeliveredEntryPage>(ContentSubjects.deliverEntries, { ...query, type: typeCode(type), channel: deliveryChannel(principal, query.channel) });
  }

  @Get(':type/:slug')
  @ApiOperation({
    summary: 'A published entry by slug, as your channel sees it',
    description:
      "Your channel's variant replaces default field values; localized fields fall back `de-AT` → `de` → the entry's default locale, and `fieldLocales` says which locale each was served in. `resolve=products` embeds referenced products your channel may see.",
  })
  @ApiResponse({ status: 404, description: 'not published, or not shown in your channel' })
  get(@Param('type') type: string, @Param('slug') slug: string, @Query() query: ContentDeliveryQuery, @CurrentPrincipal() principal: Principal): Promise<DeliveredEntry> {
    if (!SLUG_PATTERN.test(slug) || slug.length > 120) throw new NotFoundException(`no published ${type.slice(0, 64)} "${slug.slice(0, 120)}"`);
    return this.services.request<DeliveredEntry>(ContentSubjects.deliverEntry, { ...query, type: typeCode(type), slug, channel: deliveryChannel(principal, query.channel) });
  }
}
