import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreatePromotionRequest, ListPromotionsRequest, PROMOTION_ID, PricingSubjects, Promotion, PromotionChanges, PromotionPage } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';
import { checkId, etag, preconditioned, requiredVersion } from './preconditions';

@ApiTags('pricing')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/promotions')
export class PromotionsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'List promotions (admin)' })
  list(@Query() query: ListPromotionsRequest): Promise<PromotionPage> {
    return this.services.request<PromotionPage>(PricingSubjects.listPromotions, query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a promotion (admin)',
    description:
      'One engine evaluates promotions for every channel: a channel condition applies only when `channels` is set. Evaluated by priority (then id); exclusive ones apply only alone. See docs/pricing.md.',
  })
  @ApiResponse({ status: 409, description: 'the coupon code is used by another promotion' })
  async create(@Body() body: CreatePromotionRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Promotion> {
    const promotion = await this.services.request<Promotion>(PricingSubjects.createPromotion, body);
    void reply.header('etag', etag(promotion)).header('location', `/v1/promotions/${promotion.id}`);
    return promotion;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a promotion (admin)' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Promotion> {
    checkId(id, PROMOTION_ID, 'promotion');
    const promotion = await this.services.request<Promotion>(PricingSubjects.getPromotion, { id });
    void reply.header('etag', etag(promotion));
    return promotion;
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a promotion (admin)', description: 'Send the ETag you read in If-Match; fields you send replace the stored ones.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 412, description: 'the promotion changed since you read it' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(@Param('id') id: string, @Body() changes: PromotionChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Promotion> {
    checkId(id, PROMOTION_ID, 'promotion');
    const expectedVersion = requiredVersion(ifMatch, 'promotion');
    const promotion = await preconditioned(() => this.services.request<Promotion>(PricingSubjects.updatePromotion, { id, expectedVersion, changes }));
    void reply.header('etag', etag(promotion));
    return promotion;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a promotion with its coupon and the coupon’s redemptions (admin)', description: 'If-Match is optional; when sent, a stale one is refused with 412.' })
  async delete(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined): Promise<Promotion> {
    checkId(id, PROMOTION_ID, 'promotion');
    const expectedVersion = ifMatch === undefined ? undefined : requiredVersion(ifMatch, 'promotion');
    return preconditioned(() => this.services.request<Promotion>(PricingSubjects.deletePromotion, { id, expectedVersion }));
  }
}
