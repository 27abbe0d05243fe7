import { DynamicModule, Module } from '@nestjs/common';
import { CUSTOMERS_STREAM, CustomersEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { AuthModule } from './auth/auth.module';
import { CompaniesModule } from './companies/companies.module';
import { CustomersConfig, TOKEN_SECRET } from './config';
import { CustomersModule } from './customers/customers.module';
import { GdprModule } from './gdpr/gdpr.module';
import { GroupsModule } from './groups/groups.module';
import { LoyaltyModule } from './loyalty/loyalty.module';

/** Holds the token secret resolved at start, for the auth service. */
@Module({})
class TokenSecretModule {}

@Module({})
export class AppModule {
  static forRoot(config: CustomersConfig, logger: Logger, migrations: Migration[], tokenSecret: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'customers',
          config,
          logger,
          migrations,
          streams: [{ name: CUSTOMERS_STREAM, subjects: Object.values(CustomersEvents) }],
        }),
        { module: TokenSecretModule, global: true, providers: [{ provide: TOKEN_SECRET, useValue: tokenSecret }], exports: [TOKEN_SECRET] },
        GroupsModule,
        CustomersModule,
        AuthModule,
        CompaniesModule,
        LoyaltyModule,
        GdprModule,
      ],
    };
  }
}
