import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, Reflector } from '@nestjs/core';
import { ConfigError, ServiceClient, ServiceKitModule, resolveCustomerTokenSecret } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ChannelsModule } from './channels/channels.module';
import { GatewayConfig, apiKeysFor } from './config';
import { HttpErrorFilter, httpValidationPipe } from './http/http-errors';
import { ContentModule } from './content/content.module';
import { CustomersModule } from './customers/customers.module';
import { InventoryModule } from './inventory/inventory.module';
import { OrdersModule } from './orders/orders.module';
import { PricingModule } from './pricing/pricing.module';
import { ProductsModule } from './products/products.module';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from './tokens';

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const keys = apiKeysFor(config);
    const customerToken = customerTokenSecretFor(config, logger);
    return {
      module: AppModule,
      global: true,
      imports: [ServiceKitModule.forRoot({ service: 'gateway', config, logger }), ProductsModule, ContentModule, InventoryModule, PricingModule, CustomersModule, ChannelsModule, OrdersModule],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: SERVICE_CLIENT,
          useFactory: async () => {
            const client = new ServiceClient(config.NATS_URL.split(',').map((s) => s.trim()), 'gateway-rpc', config.NATS_REQUEST_TIMEOUT_MS);
            await client.connect();
            return client;
          },
        },
        { provide: APP_GUARD, inject: [Reflector], useFactory: (reflector: Reflector) => new ApiKeyGuard(reflector, keys, customerToken) },
        { provide: APP_PIPE, useFactory: httpValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [GATEWAY_CONFIG, SERVICE_CLIENT],
    };
  }

  async onApplicationShutdown() {
    await this.services.close();
  }
}

/** The secret customer tokens are verified with; production without a strong one stops the gateway. */
function customerTokenSecretFor(config: GatewayConfig, logger: Logger): string {
  try {
    const { secret, warning } = resolveCustomerTokenSecret(config.NODE_ENV, config.CUSTOMER_TOKEN_SECRET);
    if (warning) logger.warn(warning);
    return secret;
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}
