#!/usr/bin/env node
// `npm test`: lint, type-check, unit and integration tests, then end-to-end tests of the built apps,
// all against real PostgreSQL and real NATS servers. Prints one closing line: "N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv.includes('--help')) {
  console.log(`npm test — every check of the repository.

Steps: lint, typecheck and unit/integration tests of every project (nx run-many), then the end-to-end
suite (builds the apps, starts them against a private nats-server and fresh PostgreSQL databases), then
the deploy checks: each app from its own pruned npm install, the Helm charts (lint, render, Kubernetes
schemas), and one container image built with buildah and started (needs buildah; npm registry access).

Needs: PostgreSQL reachable at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
a user allowed to create databases) and the nats-server binary (apt-get install -y nats-server, or set
NATS_SERVER_BIN). Tests start their own NATS servers on free ports and drop the databases they create.`);
  process.exit(0);
}

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const pgUrl = new URL(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
if (!(await reachable(pgUrl.hostname, Number(pgUrl.port || 5432)))) {
  console.error(`PostgreSQL is not reachable at ${pgUrl.hostname}:${pgUrl.port || 5432}. Start it (pg_ctlcluster 15 main start) or set TEST_DATABASE_URL.`);
  process.exit(1);
}
const natsBin = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((p) => p && existsSync(p));
if (!natsBin) {
  console.error('nats-server is not installed: apt-get install -y nats-server (or set NATS_SERVER_BIN).');
  process.exit(1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

function run(args) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['nx', ...args], {
      cwd: root,
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    const scan = (chunk, out) => {
      out.write(chunk);
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const m = /^\s*Tests:\s+(.*)\d+ total/.exec(line.replace(ansi, ''));
        if (!m) continue;
        for (const [, n, kind] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(n);
      }
    };
    child.stdout.on('data', (c) => scan(c, process.stdout));
    child.stderr.on('data', (c) => scan(c, process.stderr));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

let code = await run(['run-many', '-t', 'lint', 'typecheck', 'test', '--parallel=2', '--exclude=platform-e2e', '--output-style=static']);
if (code === 0) {
  code = await run(['run', 'platform-e2e:e2e', '--output-style=static']);
  // What ships (deploy/test): each app from its own pruned install, the Helm charts, a container image.
  code = (await run(['run', 'deploy:e2e', '--output-style=static'])) || code;
} else console.error('\nlint, typecheck or unit tests failed: the end-to-end suite did not run.');
if (code !== 0 && totals.failed === 0) totals.failed = 1; // a step failed outside a test (lint, types, build)
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(code);
