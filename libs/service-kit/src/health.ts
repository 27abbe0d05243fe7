import { Controller, Get, HttpCode, HttpException, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';

/** Metadata that marks a route as open without credentials (health, docs). */
export const PUBLIC_ROUTE = 'omnibus:public';
/** No credentials needed for this route or controller. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Named checks that must all pass for the app to take traffic. */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, () => Promise<void>>();
  private stopping = false;

  add(name: string, check: () => Promise<void>): void {
    this.checks.set(name, check);
  }

  /** Marks the app as shutting down: readiness fails so load balancers stop sending work. */
  markStopping(): void {
    this.stopping = true;
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.stopping) checks['shutdown'] = 'in progress';
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000))]);
          checks[name] = 'up';
        } catch (err) {
          checks[name] = `down: ${(err as Error).message}`;
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'up'), checks };
  }
}

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  /** The process is alive (the event loop answers). */
  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'up' };
  }

  /** The database and NATS answer: the app can do its work. */
  @Get('ready')
  async ready() {
    const report = await this.readiness.report();
    if (!report.ready) throw new HttpException({ status: 'down', checks: report.checks }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'up', checks: report.checks };
  }
}
