import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, shippedApps } from './support';

describe('every app is ready to ship', () => {
  it.each(shippedApps())('%s loads the OpenTelemetry instrumentation before anything else', (app) => {
    const main = readFileSync(join(ROOT, 'apps', app, 'src/main.ts'), 'utf8');
    const firstImport = main.split('\n').find((line) => line.startsWith('import '));
    // Later imports load pg and http; only what loads after the instrumentation can be traced.
    expect(firstImport).toMatch(/^import '@omnibus\/service-kit\/instrument';/);
  });
});
