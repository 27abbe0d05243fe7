import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { waitFor } from './wait';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function natsServerBinary(): string {
  const found = [process.env['NATS_SERVER_BIN'], '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((p) => p && existsSync(p));
  if (!found) throw new Error('nats-server is not installed: apt-get install -y nats-server (or set NATS_SERVER_BIN)');
  return found;
}

export interface TestNats {
  url: string;
  stop(): Promise<void>;
}

/** Starts a private nats-server with JetStream on a free port, so tests share nothing with other runs. */
export async function startNatsServer(): Promise<TestNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'omnibus-nats-'));
  const child: ChildProcess = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  await waitFor('nats-server to accept connections', async () => {
    const nc = await connect({ servers: url, timeout: 500 });
    await nc.close();
    return true;
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
