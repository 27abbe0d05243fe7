import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { TestDatabase, TestNats, createTestDatabase, freePort, startNatsServer, waitFor } from '@omnibus/testing';
import { ROOT } from './support';

const APP = 'catalog';
/** The base `node tools/docker-build.mjs --node-base` assembles (see LOCAL_NODE_BASE there). */
const LOCAL_NODE_BASE = 'localhost/omnibus-node-base:20';

/** buildah can build and run here (no daemon needed); docker/podman images are not started by this test. */
function buildahWorks(): boolean {
  return spawnSync('buildah', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The node process that `buildah run` (pid) started: chroot isolation keeps it in this machine's process table. */
function containerProcess(pid: number): number {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([p, parent, command]) => ({ pid: Number(p), parent: Number(parent), command }));
  const below = (root: number): { pid: number; command: string }[] => table.filter((p) => p.parent === root).flatMap((p) => [p, ...below(p.pid)]);
  const node = below(pid).find((p) => p.command === 'node');
  if (!node) throw new Error(`no node process under buildah run (pid ${pid})`);
  return node.pid;
}

const buildah = (...args: string[]) => execFileSync('buildah', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * deploy/Dockerfile builds an app's image (on a Node base assembled from this machine, since no base
 * image can be pulled here) that starts as uid 1000 against PostgreSQL and NATS, passes its own
 * HEALTHCHECK, and stops cleanly on SIGTERM.
 */
const describeIfBuildah = buildahWorks() || process.env['CI'] ? describe : describe.skip;

describeIfBuildah(`the ${APP} container image (buildah)`, () => {
  let image: string;
  let container: string | undefined;
  let running: ChildProcess | undefined;
  let nats: TestNats;
  let database: TestDatabase;
  const lines: string[] = [];

  beforeAll(async () => {
    if (!buildahWorks()) throw new Error('buildah is not installed: apt-get install -y buildah (CI installs it in .ci/run)');
    // The same script `nx run <app>:docker-build` runs; its last line is the image's name.
    const script = (...args: string[]) => execFileSync(process.execPath, ['tools/docker-build.mjs', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CONTAINER_BUILDER: 'buildah', NODE_IMAGE: base } }).trim().split('\n').at(-1) as string;
    let base = process.env['NODE_IMAGE'] ?? '';
    // The local base is made once per machine; the same base lets buildah reuse the dependency layer.
    if (!base) base = spawnSync('buildah', ['inspect', '--type', 'image', LOCAL_NODE_BASE], { stdio: 'ignore' }).status === 0 ? LOCAL_NODE_BASE : script('--node-base');
    image = script(APP);
    nats = await startNatsServer();
    database = await createTestDatabase('omnibus_image');
  });
  afterAll(async () => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    if (container) spawnSync('buildah', ['rm', container], { stdio: 'ignore' });
    await nats?.stop();
    await database?.drop();
  });

  it('runs as a non-root user with node as its entry point, a health check and production settings', () => {
    const config = JSON.parse(buildah('inspect', '--type', 'image', image)) as { Docker: { config: { User: string; Entrypoint: string[]; Env: string[]; Healthcheck?: { Test: string[] } } } };
    expect(config.Docker.config.User).toBe('1000:1000');
    expect(config.Docker.config.Entrypoint).toEqual(['node', 'main.js']);
    expect(config.Docker.config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'PORT=8080']));
    expect(config.Docker.config.Healthcheck?.Test.slice(0, 2)).toEqual(['CMD', 'node']);
  });

  it('starts from the image against PostgreSQL and NATS, passes its health check, and stops on SIGTERM', async () => {
    const config = JSON.parse(buildah('inspect', '--type', 'image', image)) as { Docker: { config: { Entrypoint: string[]; Healthcheck: { Test: string[] } } } };
    container = buildah('from', image);
    const port = await freePort();
    const env = { NATS_URL: nats.url, DATABASE_URL: database.url, PORT: String(port), MIGRATE_ON_START: 'true' };
    // chroot isolation shares this machine's network, so the app reaches the test's servers on 127.0.0.1.
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    running = spawn('buildah', ['run', '--isolation', 'chroot', ...envArgs, container, '--', ...config.Docker.config.Entrypoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.stdout?.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    running.stderr?.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    await waitFor(
      'the container to be ready',
      async () => {
        if (running?.exitCode !== null) throw new Error(`the container exited:\n${lines.slice(-20).join('\n')}`);
        return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
      },
      90_000,
    );
    const uid = buildah('run', '--isolation', 'chroot', container, '--', 'node', '-e', 'process.stdout.write(String(process.getuid()))');
    expect(uid).toBe('1000');
    // The image's own HEALTHCHECK command, run inside the container.
    const check = spawnSync('buildah', ['run', '--isolation', 'chroot', '--env', `PORT=${port}`, container, '--', ...config.Docker.config.Healthcheck.Test.slice(1)], { stdio: 'ignore' });
    expect(check.status).toBe(0);

    // SIGTERM to the container's process, as Kubernetes sends it (buildah run does not pass signals on).
    const exited = new Promise<void>((resolve) => running?.once('exit', () => resolve()));
    process.kill(containerProcess(running.pid as number), 'SIGTERM');
    await exited;
    expect(lines.some((l) => l.includes('"shutting down"'))).toBe(true);
  });
});
