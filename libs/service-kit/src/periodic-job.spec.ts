import pino from 'pino';
import { PeriodicJob } from './periodic-job';

describe('PeriodicJob', () => {
  const logger = pino({ level: 'silent' });
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval after the previous run ended, never two at once, and goes on after a failure', async () => {
    const started: number[] = [];
    let finish: (() => void) | undefined;
    let fail = true;
    const job = new PeriodicJob({
      name: 'test job',
      intervalMs: 100,
      logger,
      work: () => {
        started.push(Date.now());
        if (fail) {
          fail = false;
          return Promise.reject(new Error('database down'));
        }
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    const t0 = Date.now();
    job.start();
    job.start(); // a second start changes nothing
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toEqual([t0 + 100]); // failed
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toEqual([t0 + 100, t0 + 200]); // still running
    await jest.advanceTimersByTimeAsync(500);
    expect(started).toHaveLength(2);
    finish?.();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toHaveLength(3);
    finish?.();
    await job.stop();
  });

  it('stop waits for the run in progress and ends the schedule; interval 0 never runs', async () => {
    let runs = 0;
    let finish: (() => void) | undefined;
    const job = new PeriodicJob({ name: 'test job', intervalMs: 50, logger, work: () => ((runs += 1), new Promise<void>((resolve) => (finish = resolve))) });
    job.start();
    await jest.advanceTimersByTimeAsync(50);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect([stopped, job.stopped]).toEqual([false, true]);
    finish?.();
    await stopping;
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);

    const never = new PeriodicJob({ name: 'off', intervalMs: 0, logger, work: async () => void (runs += 100) });
    never.start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
  });
});
