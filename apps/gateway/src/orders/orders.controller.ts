import { BadRequestException, Body, Controller, Get, Headers, HttpCode, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  CreateReturnBody,
  IDEMPOTENCY_KEY_HEADER_PATTERN,
  NewOrderBody,
  ORDER_ACTIONS,
  Order,
  OrderAction,
  OrderPage,
  OrderQuery,
  OrderReturn,
  OrderTransitionBody,
  OrdersSubjects,
  PlacedOrder,
  ReturnList,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { CustomerIdentity, Principal } from '../auth/api-keys';
import { CustomerOnly } from '../auth/api-key.guard';
import { CurrentCustomer, CurrentPrincipal } from '../auth/principal.decorator';
import { GatewayConfig } from '../config';
import { errorBody } from '../http/http-errors';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from '../tokens';
import { orderCaller } from './order-caller';

@ApiTags('orders')
@ApiSecurity('api-key')
@ApiBearerAuth('customer-token')
@ApiResponse({ status: 401, description: 'no or unknown API key, or an invalid customer token' })
@Controller('v1/orders')
export class OrdersController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Place an order (checkout) from any channel',
    description:
      'Quotes the cart with pricing (the prices are frozen into the order), checks a B2B spending limit, redeems coupons and reserves the stock ' +
      '(pickup: at the chosen store; otherwise by the allocation rule), then records the order as confirmed. Anything that fails undoes the rest. ' +
      'With a customer token the order is that customer\'s; staff keys (POS, marketplace, phone) and admin keys may name `customerId`; otherwise it is a guest order. ' +
      'A marketplace import names `externalId`: importing it again returns the first order. Admin keys name the `channel` (e.g. `phone`).',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'your unique key for this checkout: a retry with the same key and body returns the first result' })
  @ApiResponse({ status: 201, type: Order, description: 'placed and confirmed' })
  @ApiResponse({ status: 200, type: Order, description: 'the order this Idempotency-Key (or this externalId) already made' })
  @ApiResponse({ status: 403, description: 'a B2B order over the company\'s spending limit, or a member who may not order' })
  @ApiResponse({ status: 409, description: 'not enough stock (each short line is named), a coupon used up, or the checkout with this key is still running' })
  @ApiResponse({ status: 422, description: 'the Idempotency-Key was used for a different request' })
  @ApiResponse({ status: 503, description: 'a service did not answer: the checkout finishes or is undone by itself; retry with the same key' })
  async place(
    @Body() body: NewOrderBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Order> {
    if (!idempotencyKey || !IDEMPOTENCY_KEY_HEADER_PATTERN.test(idempotencyKey)) {
      const problem = idempotencyKey ? 'must be 1-100 printable characters without spaces' : 'is required: a unique key per checkout, reused only to retry it';
      throw new BadRequestException(errorBody(400, `Idempotency-Key ${problem}`, [{ field: 'Idempotency-Key', problem }]));
    }
    const { channel: named, ...order } = body;
    let channel = principal.channel;
    if (principal.role === 'admin') {
      if (!named) throw new BadRequestException(errorBody(400, 'channel: admin keys name the channel the order is taken in, e.g. phone', [{ field: 'channel', problem: 'is required with an admin key, e.g. phone' }]));
      channel = named;
    } else if (named && named !== principal.channel) {
      throw new BadRequestException(errorBody(400, `channel: your key orders in the ${principal.channel} channel only`, [{ field: 'channel', problem: `must be ${principal.channel} or left out` }]));
    }
    const placed = await this.services.request<PlacedOrder>(
      OrdersSubjects.placeOrder,
      { ...order, idempotencyKey, channel, caller: orderCaller(principal, this.config.STAFF_CHANNELS) },
      this.config.ORDER_TIMEOUT_MS,
    );
    void reply.status(placed.replayed ? 200 : 201);
    return placed.order;
  }

  @Get()
  @ApiOperation({
    summary: 'List orders, newest first',
    description: 'A customer (with a token) lists their own orders from every channel; a channel key the orders of its channel; staff and admin keys filter freely.',
  })
  list(@Query() query: OrderQuery, @CurrentPrincipal() principal: Principal): Promise<OrderPage> {
    return this.services.request<OrderPage>(OrdersSubjects.listOrders, { ...query, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Get(':id')
  @ApiOperation({ summary: 'An order with its status history', description: 'Customers see their own orders; channel keys their channel\'s; staff and admin keys any.' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<Order> {
    return this.services.request<Order>(OrdersSubjects.getOrder, { id, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Post(':id/:action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move an order on: ready-for-pickup, ship, complete or cancel',
    description:
      'placed → confirmed → (ready-for-pickup | shipped) → completed; carry-out orders complete from confirmed; cancel before the goods left. ' +
      'Shipping or handing over commits the stock; cancelling releases it and the coupon uses. Repeating a transition changes nothing. ' +
      'A customer may cancel their own order; the POS key of the store a click & collect order is collected at may prepare, hand over or cancel it. ' +
      'A change that moves stock is finished by the service even if it is interrupted; meanwhile another change of the order is 409.',
  })
  @ApiParam({ name: 'action', enum: ORDER_ACTIONS })
  @ApiResponse({ status: 409, description: 'the order is not in a state that allows this (the body says which states do), or another change of it is under way' })
  change(@Param('id') id: string, @Param('action') action: string, @Body() body: OrderTransitionBody, @CurrentPrincipal() principal: Principal): Promise<Order> {
    if (!(ORDER_ACTIONS as readonly string[]).includes(action)) throw new NotFoundException(`no such order action "${action.slice(0, 40)}": use ${ORDER_ACTIONS.join(', ')}`);
    return this.services.request<Order>(OrdersSubjects.changeOrderStatus, { ...body, id, action: action as OrderAction, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Get(':id/returns')
  @ApiOperation({ summary: 'The returns of an order, oldest first' })
  returns(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ReturnList> {
    return this.services.request<ReturnList>(OrdersSubjects.listReturns, { id, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Post(':id/returns')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Return lines of a completed order, through any channel',
    description:
      'The refund comes from the order\'s frozen prices (discounts included). Never more units than were bought minus those already on returns. ' +
      'The goods are restocked at `restockLocationId` when the return is accepted.',
  })
  @ApiResponse({ status: 400, description: 'a SKU not on the order, or more units than can still be returned (each line named)' })
  @ApiResponse({ status: 409, description: 'the order is not completed' })
  createReturn(@Param('id') orderId: string, @Body() body: CreateReturnBody, @CurrentPrincipal() principal: Principal): Promise<OrderReturn> {
    return this.services.request<OrderReturn>(OrdersSubjects.createReturn, {
      ...body,
      orderId,
      ...(principal.channel ? { channel: principal.channel } : {}),
      caller: orderCaller(principal, this.config.STAFF_CHANNELS),
    });
  }
}

/** The logged-in customer's orders from every channel: one history. */
@ApiTags('me (customer self-service)')
@ApiSecurity('api-key')
@ApiBearerAuth('customer-token')
@CustomerOnly()
@Controller('v1/me/orders')
export class MyOrdersController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'My orders from every channel (web, app, stores, marketplaces, phone), newest first' })
  list(@Query() query: OrderQuery, @CurrentCustomer() customer: CustomerIdentity, @CurrentPrincipal() principal: Principal): Promise<OrderPage> {
    return this.services.request<OrderPage>(OrdersSubjects.listOrders, { ...query, customerId: customer.id, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }
}
