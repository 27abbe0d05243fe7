import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { join } from 'node:path';
import { readMigrations, runApp } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { PricingConfig, pricingEnv } from './config';

// The build copies db/migrations next to main.js; MIGRATIONS_DIR points elsewhere when needed.
const migrations = () => readMigrations(process.env['MIGRATIONS_DIR'] ?? join(__dirname, 'migrations'));

void runApp<PricingConfig>({
  service: 'pricing',
  summary: 'the pricing service (price lists, prices, promotions, coupons, quotes) behind the Omnibus gateway',
  env: pricingEnv,
  natsHandlers: true,
  migrations,
  module: (config, logger) => AppModule.forRoot(config, logger, migrations()),
});
