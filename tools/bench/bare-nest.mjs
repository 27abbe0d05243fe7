// The baseline for tools/bench/products-get.mjs: a bare NestJS + Fastify app that answers
// GET /v1/products/:id with ~1 KB of JSON built in memory (no guard, no pipe, no NATS, no database).
// Plain JS, so decorators are applied as functions. Usage: PORT=<port> node tools/bench/bare-nest.mjs
import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const description = 'A soft, breathable everyday shirt in organic cotton. '.repeat(6).trim();

/** About 1 KB of JSON, shaped like a product. */
function product(id) {
  return {
    id,
    slug: 'bare-product',
    version: 1,
    status: 'active',
    name: { en: 'Bare product', de: 'Nacktes Produkt' },
    description: { en: description },
    channels: ['web', 'app'],
    categories: ['bench'],
    attributes: { material: 'cotton', weight: { value: 250, unit: 'g' } },
    media: [{ url: 'https://images.example.com/p/bare.jpg', alt: 'Bare', kind: 'image' }],
    variants: [
      { id: 'var_0000000000000000000001', sku: 'BARE-S', attributes: {}, media: [] },
      { id: 'var_0000000000000000000002', sku: 'BARE-M', attributes: {}, media: [] },
    ],
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
  };
}

class ProductsController {
  get(id) {
    return product(id);
  }
}
Get(':id')(ProductsController.prototype, 'get', Object.getOwnPropertyDescriptor(ProductsController.prototype, 'get'));
Param('id')(ProductsController.prototype, 'get', 0);
Controller('v1/products')(ProductsController);

class HealthController {
  ready() {
    return { status: 'up' };
  }
}
Get('ready')(HealthController.prototype, 'ready', Object.getOwnPropertyDescriptor(HealthController.prototype, 'ready'));
Controller('health')(HealthController);

class BareModule {}
Module({ controllers: [ProductsController, HealthController] })(BareModule);

const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.stdout.write(`bare-nest listening on ${await app.getUrl()}\n`);
