#!/usr/bin/env node
// Builds one app's container image from deploy/Dockerfile and its build output (dist/apps/<app>).
// `nx run <app>:docker-build` runs it after `nx build <app>`; `nx affected -t docker-build` builds only
// the images whose app changed.
//
//   node tools/docker-build.mjs <app>          build <IMAGE_REPOSITORY>/<app>:<IMAGE_TAG>
//   node tools/docker-build.mjs --node-base    assemble a Node base image from this machine's own node
//                                              (for machines that cannot pull node:20-bookworm-slim)
//
// Environment: NODE_IMAGE (base image, default node:20-bookworm-slim), IMAGE_REPOSITORY (default
// omnibus), IMAGE_TAG (default dev), CONTAINER_BUILDER (docker, podman or buildah; default: the
// first that works). buildah runs with --isolation chroot, so it needs no daemon.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LOCAL_NODE_BASE = 'localhost/omnibus-node-base:20';

function works(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** The container builder to use: docker or podman when they can build here, else buildah. */
export function containerBuilder() {
  const wanted = process.env.CONTAINER_BUILDER;
  if (wanted) return wanted;
  if (works('docker', ['info'])) return 'docker';
  if (works('podman', ['info'])) return 'podman';
  if (works('buildah', ['--version'])) return 'buildah';
  throw new Error('no container builder: install docker, podman or buildah (Debian: apt-get install -y buildah)');
}

/** The image name of an app. */
export function imageName(app) {
  return `${process.env.IMAGE_REPOSITORY ?? 'omnibus'}/${app}:${process.env.IMAGE_TAG ?? 'dev'}`;
}

/** Builds the image of `app`; returns its name. */
export function buildImage(app, { nodeImage = process.env.NODE_IMAGE, stdio = 'inherit' } = {}) {
  for (const file of ['main.js', 'package.json', 'package-lock.json']) {
    if (!existsSync(join(root, 'dist/apps', app, file))) throw new Error(`dist/apps/${app}/${file} is missing: run nx build ${app} first`);
  }
  const builder = containerBuilder();
  const image = imageName(app);
  const args = [
    // --layers: a rebuild with the same package.json and lock file reuses the installed dependencies.
    ...(builder === 'buildah' ? ['bud', '--isolation', 'chroot', '--format', 'docker', '--layers'] : ['build', ...(builder === 'podman' ? ['--format', 'docker'] : [])]),
    '-f', 'deploy/Dockerfile',
    '--build-arg', `APP=${app}`,
    ...(nodeImage ? ['--build-arg', `NODE_IMAGE=${nodeImage}`] : []),
    '-t', image,
    '.',
  ];
  const result = spawnSync(builder, args, { cwd: root, stdio });
  if (result.status !== 0) throw new Error(`${builder} ${args.join(' ')} failed with ${result.status ?? result.signal}`);
  return image;
}

/**
 * Assembles a minimal Node base image (node, npm, /bin/sh, their libraries, CA certificates, a `node`
 * user with uid 1000) from this machine, with buildah. It stands in for node:20-bookworm-slim where no
 * registry of base images can be reached; the Dockerfile is the same either way.
 */
export function buildLocalNodeBase() {
  const run = (...args) => execFileSync('buildah', args, { encoding: 'utf8' }).trim();
  const node = execFileSync('readlink', ['-f', process.execPath], { encoding: 'utf8' }).trim();
  const npmRoot = join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm');
  const container = run('from', 'scratch');
  try {
    const fsRoot = run('mount', container);
    const copy = (from, to = from) => {
      mkdirSync(dirname(join(fsRoot, to)), { recursive: true });
      cpSync(from, join(fsRoot, to), { recursive: true, dereference: true });
    };
    copy(node, '/usr/bin/node');
    copy('/bin/sh', '/bin/sh');
    const libraries = new Set(execFileSync('ldd', [node, '/bin/sh'], { encoding: 'utf8' }).match(/\/\S+\.so[^\s]*/g));
    for (const library of libraries) copy(library);
    copy(npmRoot, '/usr/lib/node_modules/npm');
    writeFileSync(join(fsRoot, 'usr/bin/npm'), '#!/bin/sh\nexec node /usr/lib/node_modules/npm/bin/npm-cli.js "$@"\n');
    chmodSync(join(fsRoot, 'usr/bin/npm'), 0o755);
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) copy('/etc/ssl/certs/ca-certificates.crt');
    writeFileSync(join(fsRoot, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
    writeFileSync(join(fsRoot, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    mkdirSync(join(fsRoot, 'home/node'), { recursive: true });
    execFileSync('chown', ['1000:1000', join(fsRoot, 'home/node')]);
    mkdirSync(join(fsRoot, 'tmp'), { recursive: true, mode: 0o1777 });
    chmodSync(join(fsRoot, 'tmp'), 0o1777);
    run('umount', container);
    run('config', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--env', 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt', '--cmd', 'node', container);
    run('commit', '--rm', container, LOCAL_NODE_BASE);
  } catch (err) {
    spawnSync('buildah', ['rm', container], { stdio: 'ignore' });
    throw err;
  }
  return LOCAL_NODE_BASE;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  try {
    if (!arg || arg === '--help' || arg === '-h') {
      console.log('usage: node tools/docker-build.mjs <app> | --node-base   (see the comment at the top of this file)');
    } else if (arg === '--node-base') {
      console.log(buildLocalNodeBase());
    } else {
      console.log(buildImage(arg));
    }
  } catch (err) {
    console.error(`docker-build: ${err.message}`);
    process.exit(1);
  }
}
