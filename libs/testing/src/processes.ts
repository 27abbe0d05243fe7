import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './nats-server';
import { waitFor } from './wait';

/** The repository root (where dist/ is). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** A built app (dist/apps/<name>/main.js) running as a child process, as it runs in production. */
export class AppProcess {
  private child?: ChildProcess;
  readonly lines: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    /** The script to run; default: the app's build output. */
    readonly main: string = join(REPO_ROOT, 'dist/apps', name, 'main.js'),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the app and waits until /health/ready answers 200. */
  async start(extraEnv: Record<string, string> = {}): Promise<this> {
    const main = this.main;
    if (!existsSync(main)) throw new Error(`${main} is missing: build the apps first (npx nx run-many -t build)`);
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...this.env, ...extraEnv, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(
      `${this.name} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.lines.slice(-20).join('\n')}`);
        const res = await fetch(`${this.url}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      60_000,
      100,
    ).catch((err) => {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.lines.slice(-20).join('\n')}`);
      throw err;
    });
    return this;
  }

  /** Sends `signal` without waiting, e.g. SIGSTOP and SIGCONT to freeze an app mid-work. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    // 'close', not 'exit': only then has all of its output been read (its last log lines included).
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** Log lines (parsed JSON) that match `predicate`. */
  logs(predicate: (line: Record<string, unknown>) => boolean = () => true): Record<string, unknown>[] {
    return this.lines
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { raw: l };
        }
      })
      .filter(predicate);
  }
}

/** Creates (does not start) an app process on a free port; `main` runs another copy of the app. */
export async function appProcess(name: string, env: Record<string, string>, main?: string): Promise<AppProcess> {
  return new AppProcess(name, await freePort(), env, main);
}
