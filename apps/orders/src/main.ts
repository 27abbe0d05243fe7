import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { join } from 'node:path';
import { readMigrations, runApp } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { OrdersConfig, ordersEnv } from './config';

// The build copies db/migrations next to main.js; MIGRATIONS_DIR points elsewhere when needed.
const migrations = () => readMigrations(process.env['MIGRATIONS_DIR'] ?? join(__dirname, 'migrations'));

void runApp<OrdersConfig>({
  service: 'orders',
  summary: 'orders from every channel: the checkout saga, the order lifecycle, one history per customer and returns behind the Omnibus gateway',
  env: ordersEnv,
  natsHandlers: true,
  migrations,
  module: (config, logger) => AppModule.forRoot(config, logger, migrations()),
});
