import type { Logger } from 'pino';

export interface PeriodicJobOptions {
  /** Names the job in logs, e.g. `reservation sweep`. */
  name: string;
  /** Pause between the end of one run and the start of the next; 0 = the job never runs. */
  intervalMs: number;
  logger: Logger;
  /** One run; a failure is logged and the next interval tries again. */
  work: () => Promise<void>;
}

/**
 * A sweeper or recovery loop that every replica runs: `work` every `intervalMs` after the previous run
 * ended (never two at once in a process), until `stop()`, which waits for a run in progress so that it
 * ends before the database closes.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;

  constructor(private readonly options: PeriodicJobOptions) {}

  /** True once stop() was called: a run that loops over batches should end early. */
  get stopped(): boolean {
    return this.stopping;
  }

  start(): void {
    if (this.options.intervalMs > 0 && !this.stopping && !this.timer) this.schedule();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.options
        .work()
        .catch((err: Error) => this.options.logger.warn({ err: err.message, job: this.options.name }, `${this.options.name} failed; the next interval retries`))
        .finally(() => {
          this.running = undefined;
          if (!this.stopping) this.schedule();
        });
    }, this.options.intervalMs);
  }
}
