import { BadRequestException, Body, Controller, ForbiddenException, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CalculateQuoteRequest, PricingSubjects, Quote } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/http-errors';
import { customerGroupFor, customerIdFor } from './price-scope';
import { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from '../tokens';

@ApiTags('pricing')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/quotes')
export class QuotesController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * The body is validated once, by pricing, against the same contract class (its errors come back as
   * a 400 naming the field): validating a 10-line cart costs more CPU than anything else a quote does
   * at the gateway, and quotes are hot.
   */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: CalculateQuoteRequest })
  @ApiOperation({
    summary: 'Price a cart',
    description:
      'Unit price, discounts and totals per line, and an explanation: which price each line got, which promotions applied and why the others did not, which coupons were accepted. Coupons are only evaluated here; redeem a use with POST /v1/coupons/{code}/redemptions. A channel key quotes for its channel (admin keys may name one in `channel`); the same cart gets the same quote in every channel unless a price or promotion is channel-scoped. `explain: false` keeps only coupons and applied promotions in the explanation (smaller, faster). With a customer token (`Authorization: Bearer`) the quote is for that customer and their group (`customerId` / `customerGroup` naming others are 403); without one, admin keys and staff channel keys (`STAFF_CHANNELS`: POS, marketplace, phone) may quote on behalf of a `customerGroup`, and any other channel key gets the prices for everyone (naming `customerGroup` is 403).',
  })
  @ApiResponse({ status: 400, description: 'a field is wrong; `details` names it' })
  @ApiResponse({ status: 403, description: 'a channel key named another channel, or a customer group that is not its customer token\'s' })
  async calculate(@Body() body: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<Quote> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException(errorBody(400, 'the body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]));
    }
    if (principal.role === 'channel' && body['channel'] !== undefined && body['channel'] !== principal.channel) throw new ForbiddenException(`your key quotes for the ${principal.channel} channel only`);
    // Who the customer is, and so which group's prices apply, comes from the customer token (price-scope.ts).
    const customerGroup = customerGroupFor(principal, body['customerGroup'], this.config.STAFF_CHANNELS);
    const customerId = customerIdFor(principal, body['customerId']);
    const request = {
      ...body,
      ...(principal.role === 'channel' ? { channel: principal.channel } : {}),
      ...(customerGroup !== null ? { customerGroup } : {}),
      ...(customerId !== undefined ? { customerId } : {}),
    };
    try {
      return await this.services.request<Quote>(PricingSubjects.calculateQuote, request);
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'VALIDATION' && err.body.details) {
        // Same wording as the gateway's own validation for fields the contract does not know.
        const details = err.body.details.map((d) => (d.problem === `property ${d.field.split('.').pop()} should not exist` ? { field: d.field, problem: 'is not a known field' } : d));
        throw new BadRequestException(errorBody(400, details.map((d) => `${d.field}: ${d.problem}`).join('; '), details));
      }
      throw err;
    }
  }
}
