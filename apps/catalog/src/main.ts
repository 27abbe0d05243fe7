import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { join } from 'node:path';
import { ServiceConfig, env, readMigrations, runApp, serviceEnv } from '@omnibus/service-kit';
import { AppModule } from './app.module';

// The build copies db/migrations next to main.js; MIGRATIONS_DIR points elsewhere when needed.
const migrations = () => readMigrations(process.env['MIGRATIONS_DIR'] ?? join(__dirname, 'migrations'));

void runApp<ServiceConfig>({
  service: 'catalog',
  summary: 'the product information service (products, variants, media, categories) behind the Omnibus gateway',
  env: { ...serviceEnv, PORT: env.int('HTTP port for /health', 0, 65535, { default: '3101' }) },
  natsHandlers: true,
  migrations,
  module: (config, logger) => AppModule.forRoot(config, logger, migrations()),
});
