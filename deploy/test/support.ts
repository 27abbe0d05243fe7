import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '../..');

/** Every app that ships: the projects under apps/ tagged `type:app`. */
export function shippedApps(): string[] {
  return readdirSync(join(ROOT, 'apps'))
    .filter((dir) => existsSync(join(ROOT, 'apps', dir, 'project.json')))
    .map((dir) => JSON.parse(readFileSync(join(ROOT, 'apps', dir, 'project.json'), 'utf8')) as { name: string; tags?: string[] })
    .filter((project) => project.tags?.includes('type:app'))
    .map((project) => project.name)
    .sort();
}

/** Runs the repository's helm (tools/helm.mjs) and returns its stdout; throws with its stderr. */
export function helm(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'tools/helm.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Like `helm`, but resolves with the error text when helm fails. */
export function helmError(...args: string[]): string {
  try {
    helm(...args);
    return '';
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
}
