import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, Reflector } from '@nestjs/core';
import { ServiceClient, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ApiKeyGuard } from './auth/api-key.guard';
import { GatewayConfig, apiKeysFor } from './config';
import { CorrelationInterceptor } from './http/correlation.interceptor';
import { HttpErrorFilter, httpValidationPipe } from './http/http-errors';
import { ContentModule } from './content/content.module';
import { ProductsModule } from './products/products.module';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from './tokens';

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const keys = apiKeysFor(config);
    return {
      module: AppModule,
      global: true,
      imports: [ServiceKitModule.forRoot({ service: 'gateway', config, logger }), ProductsModule, ContentModule],
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
        { provide: APP_GUARD, inject: [Reflector], useFactory: (reflector: Reflector) => new ApiKeyGuard(reflector, keys) },
        { provide: APP_INTERCEPTOR, useClass: CorrelationInterceptor },
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
