import { Body, Controller, Delete, Get, Inject, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { COUPON_CODE_PATTERN, CouponRedemption, CouponRedemptionBody, CouponUsage, PricingSubjects, REDEMPTION_KEY_PATTERN } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { SERVICE_CLIENT } from '../tokens';
import { customerIdFor } from './price-scope';

function checkCode(code: string): void {
  if (!COUPON_CODE_PATTERN.test(code)) throw new NotFoundException(`no coupon ${code.slice(0, 40)}`);
}

@ApiTags('pricing')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/coupons')
export class CouponsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get(':code')
  @Roles('admin')
  @ApiOperation({ summary: 'A coupon’s limits and uses (admin)' })
  get(@Param('code') code: string): Promise<CouponUsage> {
    checkCode(code);
    return this.services.request<CouponUsage>(PricingSubjects.getCoupon, { code });
  }

  @Post(':code/redemptions')
  @ApiOperation({
    summary: 'Redeem one use of a coupon',
    description:
      'Counts one use within the coupon’s limits (total and per customer): 201 when counted, 409 when a limit is reached. The caller chooses `redemptionKey`: a retry with the same key counts nothing again and answers 200 with `repeated: true`. With a customer token (`Authorization: Bearer`) the use is that customer\'s (`customerId` naming another is 403).',
  })
  @ApiResponse({ status: 201, description: 'one use counted' })
  @ApiResponse({ status: 200, description: 'this key was redeemed before: nothing counted again' })
  @ApiResponse({ status: 403, description: 'customerId is not the customer of the token sent' })
  @ApiResponse({ status: 409, description: 'used up, or the promotion is inactive or ended' })
  async redeem(
    @Param('code') code: string,
    @Body() body: CouponRedemptionBody,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CouponRedemption> {
    checkCode(code);
    // Per-customer limits count the logged-in customer's uses, whoever the body names.
    const customerId = customerIdFor(principal, body.customerId);
    const redemption = await this.services.request<CouponRedemption>(PricingSubjects.redeemCoupon, { ...body, ...(customerId !== undefined ? { customerId } : {}), code });
    void reply.status(redemption.repeated ? 200 : 201);
    return redemption;
  }

  @Delete(':code/redemptions/:redemptionKey')
  @ApiOperation({ summary: 'Give a redeemed use back', description: 'For an order that was not placed after all. Releasing twice changes nothing (`repeated: true`).' })
  release(@Param('code') code: string, @Param('redemptionKey') redemptionKey: string): Promise<CouponRedemption> {
    checkCode(code);
    if (!REDEMPTION_KEY_PATTERN.test(redemptionKey)) throw new NotFoundException(`coupon ${code} has no redemption ${redemptionKey.slice(0, 100)}`);
    return this.services.request<CouponRedemption>(PricingSubjects.releaseCoupon, { code, redemptionKey });
  }
}
