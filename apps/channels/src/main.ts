import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { join } from 'node:path';
import { readMigrations, runApp } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { ChannelsConfig, channelsEnv } from './config';

// The build copies db/migrations next to main.js; MIGRATIONS_DIR points elsewhere when needed.
const migrations = () => readMigrations(process.env['MIGRATIONS_DIR'] ?? join(__dirname, 'migrations'));

void runApp<ChannelsConfig>({
  service: 'channels',
  summary: 'sales channels with per-channel views, delta feeds, webhooks with guaranteed delivery and sync state, behind the Omnibus gateway',
  env: channelsEnv,
  natsHandlers: true,
  migrations,
  module: (config, logger) => AppModule.forRoot(config, logger, migrations()),
});
