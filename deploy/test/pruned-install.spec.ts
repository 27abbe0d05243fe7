import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppProcess, TestDatabase, TestNats, appProcess, createTestDatabase, startNatsServer, waitFor } from '@omnibus/testing';
import { ROOT, shippedApps } from './support';

const run = promisify(execFile);

/** The packages of the workspace's tool chain: none of them may reach an app's runtime install. */
const BUILD_ONLY = /^(@nx\/|nx$|typescript$|jest|ts-jest$|@types\/|eslint|webpack|@swc|prettier$|autocannon$|kubernetes-models$|@aws-cdk\/)/;

/**
 * Each app ships alone: its build output (main.js, migrations, the generated package.json and lock file)
 * copied into an empty folder outside the repository, `npm install --omit=dev` there, and the app starts
 * against PostgreSQL and NATS and becomes ready. The installs use npm's cache (filled by the workspace's
 * own install) and run side by side; the apps then start one after the other.
 */
describe('each app from its own pruned install', () => {
  const apps = shippedApps();
  const installs = new Map<string, Promise<string>>();
  let nats: TestNats;
  let work: string;

  /** Copies the app's build output into an empty folder and installs its dependencies there; resolves with the folder. */
  async function install(app: string): Promise<string> {
    const dist = join(ROOT, 'dist/apps', app);
    const dir = join(work, app);
    mkdirSync(dir);
    for (const file of ['main.js', 'package.json', 'package-lock.json']) copyFileSync(join(dist, file), join(dir, file));
    if (existsSync(join(dist, 'migrations'))) cpSync(join(dist, 'migrations'), join(dir, 'migrations'), { recursive: true });
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return dir;
  }

  beforeAll(async () => {
    // An empty folder outside the repository, so Node cannot find the workspace's node_modules.
    work = mkdtempSync(join(tmpdir(), 'omnibus-pruned-'));
    nats = await startNatsServer();
    // Three installs at a time: npm mostly waits on the disk and the cache.
    const queue = [...apps];
    const next = (): Promise<void> | undefined => {
      const app = queue.shift();
      if (!app) return undefined;
      const done = install(app);
      installs.set(app, done);
      return done.then(next, next) as Promise<void>;
    };
    for (let i = 0; i < 3; i++) void next();
  });
  afterAll(async () => {
    await Promise.allSettled(installs.values());
    await nats?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(apps)('%s installs only its runtime dependencies and becomes ready', async (app) => {
    const dist = join(ROOT, 'dist/apps', app);
    const manifest = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: unknown };
    expect(existsSync(join(dist, 'package-lock.json'))).toBe(true);
    expect(manifest.devDependencies).toBeUndefined();
    expect(Object.keys(manifest.dependencies).filter((d) => BUILD_ONLY.test(d))).toEqual([]);
    expect(manifest.dependencies).toHaveProperty('@opentelemetry/sdk-node');

    await waitFor(`the install of ${app} to start`, () => installs.has(app), 600_000, 200);
    const dir = await (installs.get(app) as Promise<string>);
    expect(existsSync(join(dir, 'node_modules/@nestjs/core'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/typescript'))).toBe(false);

    const database: TestDatabase | undefined = existsSync(join(dir, 'migrations')) ? await createTestDatabase(`omnibus_pruned_${app.replace(/-/g, '_')}`) : undefined;
    const started: AppProcess = await appProcess(app, { NATS_URL: nats.url, LOG_LEVEL: 'info', ...(database ? { DATABASE_URL: database.url } : {}) }, join(dir, 'main.js'));
    try {
      await started.start(); // waits for /health/ready
      await started.stop('SIGTERM');
      // It shut down by itself on SIGTERM (drained NATS, closed the database), not by the SIGKILL fallback.
      expect(started.logs((line) => line['msg'] === 'shutting down')).toHaveLength(1);
    } finally {
      await started.stop('SIGKILL');
      await database?.drop();
    }
  });
});
