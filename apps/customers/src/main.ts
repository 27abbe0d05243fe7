import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError, readMigrations, resolveCustomerTokenSecret, runApp } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { CustomersConfig, customersEnv } from './config';

// The build copies db/migrations next to main.js; MIGRATIONS_DIR points elsewhere when needed.
const migrations = () => readMigrations(process.env['MIGRATIONS_DIR'] ?? join(__dirname, 'migrations'));

void runApp<CustomersConfig>({
  service: 'customers',
  summary: 'the CRM (customer profiles, sign-up and login, groups, B2B companies, loyalty points, GDPR export and erasure) behind the Omnibus gateway',
  env: customersEnv,
  natsHandlers: true,
  migrations,
  module: (config, logger) => {
    let token: { secret: string; warning?: string };
    try {
      token = resolveCustomerTokenSecret(config.NODE_ENV, config.CUSTOMER_TOKEN_SECRET);
    } catch (err) {
      throw new ConfigError([(err as Error).message]);
    }
    if (token.warning) logger.warn(token.warning);
    return AppModule.forRoot(config, logger, migrations(), token.secret);
  },
});
