import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, ServiceClient } from '@omnibus/service-kit';
import { OrdersConfig } from './config';

/** The client for requests to pricing, inventory and customers over NATS. */
export const SERVICES = Symbol('SERVICES');

@Global()
@Module({
  providers: [
    {
      provide: SERVICES,
      inject: [SERVICE_CONFIG],
      useFactory: async (config: OrdersConfig) => {
        const client = new ServiceClient(config.NATS_URL.split(',').map((s) => s.trim()), 'orders-rpc', config.NATS_REQUEST_TIMEOUT_MS);
        await client.connect();
        return client;
      },
    },
  ],
  exports: [SERVICES],
})
export class ServicesModule implements OnApplicationShutdown {
  constructor(@Inject(SERVICES) private readonly client: ServiceClient) {}

  async onApplicationShutdown() {
    await this.client.close();
  }
}
