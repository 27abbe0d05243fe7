import { Body, Controller, ForbiddenException, Get, Headers, HttpCode, HttpException, HttpStatus, Inject, NotFoundException, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { BulkUpsertProductsReply, BulkUpsertProductsRequest, CatalogSubjects, CreateProductRequest, ListProductsRequest, Product, ProductChanges, ProductPage } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Principal } from '../auth/api-keys';
import { Roles } from '../auth/api-key.guard';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/http-errors';
import { SERVICE_CLIENT } from '../tokens';
import { ProductCache } from './product-cache';
import { ProductDetails } from './product-details';

const PRODUCT_ID = /^prd_[0-9a-z]{22}$/;

/** A channel key sees a product only when it is active and sold in its channel. */
export function visibleTo(principal: Principal, product: Product): boolean {
  return principal.role === 'admin' || (product.status === 'active' && product.channels.includes(principal.channel ?? ''));
}

/** Reads the version out of `If-Match: "3"` (or W/"3"); undefined when absent. */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new HttpException(errorBody(400, 'If-Match must be the ETag of the product you read, e.g. "3"', [{ field: 'If-Match', problem: 'is not an ETag this API returned' }]), 400);
  return Number(match[1]);
}

const DETAIL =
  'the product with its `availability` block for your channel (null when the inventory did not answer in time; per location for admin keys or with `?locations=true`) and its `price` block: each variant\'s unit price for your channel, in `?currency=` (default EUR), for the customer group of the customer token (admin and staff channel keys may name `?customerGroup=`); null when pricing did not answer in time';

function etag(product: Product): string {
  return `"${product.version}"`;
}

@ApiTags('products')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/products')
export class ProductsController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    private readonly cache: ProductCache,
    private readonly details: ProductDetails,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List products', description: 'Filters combine; pages follow `nextCursor`. Channel keys see only active products of their channel.' })
  async list(@Query() query: ListProductsRequest, @CurrentPrincipal() principal: Principal): Promise<ProductPage> {
    if (principal.role === 'channel') {
      if (query.channel && query.channel !== principal.channel) throw new ForbiddenException(`your key reads the ${principal.channel} channel only`);
      if (query.status && query.status !== 'active') throw new ForbiddenException('channel keys see active products only');
      query = { ...query, channel: principal.channel, status: 'active' };
    }
    return this.services.request<ProductPage>(CatalogSubjects.listProducts, query);
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a product (admin)' })
  @ApiResponse({ status: 201, description: 'created; ETag holds its version' })
  @ApiResponse({ status: 409, description: 'slug or a SKU already used' })
  async create(@Body() body: CreateProductRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Product> {
    const product = await this.services.request<Product>(CatalogSubjects.createProduct, body);
    this.cache.put(product);
    void reply.header('etag', etag(product)).header('location', `/v1/products/${product.id}`);
    return product;
  }

  @Post('bulk')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create or change up to 500 products by slug (admin, imports)',
    description: 'Each item is matched to a stored product by slug. Fields sent replace the stored ones; fields left out keep theirs. Only real changes are written and emit events. Each item gets its outcome: created, changed, unchanged, or rejected with its index and reasons (the others are still written).',
  })
  async bulkUpsert(@Body() body: BulkUpsertProductsRequest): Promise<BulkUpsertProductsReply> {
    const reply = await this.services.request<BulkUpsertProductsReply>(CatalogSubjects.bulkUpsertProducts, body, 30_000);
    // Read-your-writes on this gateway: cached copies older than what was written are fetched again.
    for (const item of reply.items) if (item.id && item.version && item.outcome !== 'unchanged') this.cache.forgetOlderThan(item.id, item.version);
    return reply;
  }

  @Get('by-slug/:slug')
  @ApiOperation({ summary: 'Get a product by its slug' })
  @ApiOkResponse({ type: Product, description: DETAIL })
  async bySlug(@Param('slug') slug: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    return this.detail(await this.fetch({ slug: slug.slice(0, 120) }, `slug "${slug.slice(0, 120)}"`), principal, reply);
  }

  @Get('by-sku/:sku')
  @ApiOperation({ summary: 'Get the product that has a variant with this SKU' })
  @ApiOkResponse({ type: Product, description: DETAIL })
  async bySku(@Param('sku') sku: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    return this.detail(await this.fetch({ sku: sku.slice(0, 64) }, `SKU "${sku.slice(0, 64)}"`), principal, reply);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a product by id', description: 'ETag holds the version; send it back in If-Match to update.' })
  @ApiOkResponse({ type: Product, description: DETAIL })
  @ApiResponse({ status: 404, description: 'no such product, or not sold in your channel' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    if (!PRODUCT_ID.test(id)) throw new NotFoundException(`no product with id "${id.slice(0, 64)}"`);
    const product = this.cache.get(id) ?? (await this.fetch({ id }, `id "${id}"`));
    return this.detail(product, principal, reply);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a product (admin)', description: 'Send the ETag you read in If-Match; fields you send replace the stored ones.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 412, description: 'the product changed since you read it' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(
    @Param('id') id: string,
    @Body() changes: ProductChanges,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Product> {
    if (!PRODUCT_ID.test(id)) throw new NotFoundException(`no product with id "${id.slice(0, 64)}"`);
    const expectedVersion = versionFromIfMatch(ifMatch);
    if (expectedVersion === undefined) throw new HttpException(errorBody(428, 'send If-Match with the ETag of the product you read', [{ field: 'If-Match', problem: 'is required' }]), HttpStatus.PRECONDITION_REQUIRED);
    const product = await this.preconditioned(() => this.services.request<Product>(CatalogSubjects.updateProduct, { id, expectedVersion, changes }));
    this.cache.put(product);
    void reply.header('etag', etag(product));
    return product;
  }

  @Post(':id/archive')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a product (admin)', description: 'It leaves every channel; archiving twice changes nothing.' })
  async archive(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Product> {
    if (!PRODUCT_ID.test(id)) throw new NotFoundException(`no product with id "${id.slice(0, 64)}"`);
    const expectedVersion = versionFromIfMatch(ifMatch);
    const product = await this.preconditioned(() => this.services.request<Product>(CatalogSubjects.archiveProduct, { id, expectedVersion }));
    this.cache.put(product);
    void reply.header('etag', etag(product));
    return product;
  }

  private async fetch(by: { id?: string; slug?: string; sku?: string }, what: string): Promise<Product> {
    try {
      const product = await this.services.request<Product>(CatalogSubjects.getProduct, by);
      this.cache.put(product);
      return product;
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'NOT_FOUND') throw new NotFoundException(`no product with ${what}`);
      throw err;
    }
  }

  /** A product detail (see DETAIL), as JSON bytes built once per product and view (ProductDetails). */
  private detail(product: Product, principal: Principal, reply: FastifyReply): Buffer | Promise<Buffer> {
    const visible = this.visible(product, principal, reply);
    void reply.header('content-type', 'application/json; charset=utf-8');
    return this.details.render(visible, principal, reply.request?.query as Record<string, unknown> | undefined);
  }

  private visible(product: Product, principal: Principal, reply: FastifyReply): Product {
    // Not "forbidden": a channel must not learn that a product it does not sell exists.
    if (!visibleTo(principal, product)) throw new NotFoundException('no such product in your channel');
    void reply.header('etag', etag(product));
    return product;
  }

  /** A stale If-Match is a failed precondition (412), not a plain conflict. */
  private async preconditioned(call: () => Promise<Product>): Promise<Product> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'VERSION_CONFLICT') throw new HttpException(errorBody(412, err.body.message, err.body.details), HttpStatus.PRECONDITION_FAILED);
      throw err;
    }
  }
}
