import '@omnibus/service-kit/instrument'; // first: traces pg and http only if loaded before them
import 'reflect-metadata';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError, runApp } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { GatewayConfig, apiKeysFor, gatewayEnv } from './config';
import { correlateRequests } from './http/correlation';

void runApp<GatewayConfig>({
  service: 'gateway',
  summary: 'the public REST API of Omnibus: auth per channel, validation, and routing to the services over NATS',
  env: gatewayEnv,
  natsHandlers: false,
  module: (config, logger) => {
    try {
      apiKeysFor(config);
    } catch (err) {
      throw new ConfigError([(err as Error).message]);
    }
    return AppModule.forRoot(config, logger);
  },
  fastify: { bodyLimit: Number(process.env['BODY_LIMIT_BYTES'] ?? 1024 * 1024), trustProxy: true },
  configureHttp: (app) => {
    correlateRequests(app.getHttpAdapter().getInstance());
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Omnibus API')
        .setDescription('One API for every sales channel. Send your key in `x-api-key`. Errors are `{statusCode, error, message, details: [{field, problem}]}`.')
        .setVersion('1')
        .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'customer token from POST /v1/customers/login, sent with a channel key' }, 'customer-token')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  },
});
