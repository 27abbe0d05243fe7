import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '@omnibus/contracts';
import { loadAll, load } from 'js-yaml';
import { ROOT, helm, helmError, shippedApps } from './support';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

const UMBRELLA = 'deploy/helm/omnibus';
const SERVICE_CHART = 'deploy/helm/omnibus-service';

function render(...args: string[]): Manifest[] {
  return (loadAll(helm('template', ...args)) as (Manifest | null)[]).filter((m): m is Manifest => !!m);
}

/** The kubernetes-models class of a manifest's apiVersion and kind (core group: `v1`). */
function modelOf(m: Manifest): new (data: unknown) => { validate(): void } {
  const group = require(`kubernetes-models/${m.apiVersion}`) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = group[m.kind];
  if (!model) throw new Error(`kubernetes-models has no ${m.apiVersion} ${m.kind}`);
  return model;
}

function podSpecOf(m: Manifest) {
  return ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(m.kind) ? m.spec.template.spec : undefined;
}

/** Everything that is not restricted in a pod spec (Pod Security Standard "restricted", plus a read-only root). */
function securityProblems(m: Manifest): string[] {
  const pod = podSpecOf(m);
  if (!pod) return [];
  const problems: string[] = [];
  const where = `${m.kind}/${m.metadata.name}`;
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot`);
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}: pod seccompProfile`);
  if (pod.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken`);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const s = c.securityContext ?? {};
    if (s.allowPrivilegeEscalation !== false) problems.push(`${where}/${c.name}: allowPrivilegeEscalation`);
    if (s.readOnlyRootFilesystem !== true) problems.push(`${where}/${c.name}: readOnlyRootFilesystem`);
    if (s.runAsNonRoot !== true || !(s.runAsUser > 0)) problems.push(`${where}/${c.name}: runAsNonRoot with a non-zero uid`);
    if (s.privileged) problems.push(`${where}/${c.name}: privileged`);
    if (JSON.stringify(s.capabilities?.drop) !== '["ALL"]' || s.capabilities?.add?.length) problems.push(`${where}/${c.name}: capabilities drop ALL`);
    if (s.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}/${c.name}: seccompProfile`);
    if (!c.resources?.requests || !c.resources?.limits?.memory) problems.push(`${where}/${c.name}: resources`);
  }
  return problems;
}

describe('Helm charts', () => {
  const apps = shippedApps();
  const renders: Record<string, Manifest[]> = {};

  beforeAll(() => {
    // Packs the generic chart into the umbrella's charts/ (offline: file:// dependency).
    helm('dependency', 'build', UMBRELLA);
    renders['the whole platform (default values)'] = render('omnibus', UMBRELLA, '--namespace', 'shop');
    renders['the whole platform (production example)'] = render('omnibus', UMBRELLA, '--namespace', 'shop', '-f', `${UMBRELLA}/values-production.yaml`);
    renders['one service alone (catalog)'] = render('catalog', SERVICE_CHART, '--namespace', 'shop', '--set', 'app=catalog', '--set', 'nats.url=nats://nats.nats-system:4222');
    renders['the gateway alone'] = render('gateway', SERVICE_CHART, '--namespace', 'shop', '--set', 'app=gateway,public=true,database.enabled=false', '--set', 'nats.url=tls://nats.nats-system:4222');
  });

  it('lint clean (--strict) for the platform, its production example and a single service', () => {
    expect(helm('lint', '--strict', UMBRELLA)).toMatch(/0 chart\(s\) failed/);
    expect(helm('lint', '--strict', UMBRELLA, '-f', `${UMBRELLA}/values-production.yaml`)).toMatch(/0 chart\(s\) failed/);
    expect(helm('lint', '--strict', SERVICE_CHART, '--set', 'app=catalog')).toMatch(/0 chart\(s\) failed/);
  });

  it('renders every manifest valid against the Kubernetes schemas', () => {
    for (const [what, manifests] of Object.entries(renders)) {
      expect({ what, count: manifests.length > 5 }).toEqual({ what, count: true });
      const invalid: string[] = [];
      for (const m of manifests) {
        try {
          new (modelOf(m))(m).validate();
        } catch (err) {
          invalid.push(`${m.kind}/${m.metadata.name}: ${(err as Error).message}`);
        }
      }
      expect({ what, invalid }).toEqual({ what, invalid: [] });
    }
  });

  it('gives every pod the restricted security context, a read-only root and resources', () => {
    for (const [what, manifests] of Object.entries(renders)) {
      expect({ what, problems: manifests.flatMap(securityProblems) }).toEqual({ what, problems: [] });
      expect(manifests.filter(podSpecOf).length).toBeGreaterThan(0);
    }
  });

  it('installs every app of the repository in the platform, with probes, autoscaler, disruption budget and network policy', () => {
    const manifests = renders['the whole platform (default values)'];
    const named = (kind: string) => new Set(manifests.filter((m) => m.kind === kind).map((m) => m.metadata.labels?.['app.kubernetes.io/name']));
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ConfigMap', 'ServiceAccount', 'Secret']) {
      expect({ kind, apps: apps.filter((a) => !named(kind).has(a)) }).toEqual({ kind, apps: [] });
    }
    for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
      const c = d.spec.template.spec.containers[0];
      expect({ app: d.metadata.name, probes: [c.startupProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path] }).toEqual({
        app: d.metadata.name,
        probes: ['/health/live', '/health/ready', '/health/live'],
      });
      expect(c.envFrom).toEqual(expect.arrayContaining([{ configMapRef: { name: d.metadata.name } }, { secretRef: { name: d.metadata.name } }]));
    }
  });

  it('runs migrations as a pre-install/pre-upgrade Job for every service when the database is external', () => {
    const manifests = renders['the whole platform (production example)'];
    const jobs = manifests.filter((m) => m.kind === 'Job');
    const services = apps.filter((a) => a !== 'gateway');
    expect(jobs.map((j) => j.metadata.labels?.['app.kubernetes.io/name']).sort()).toEqual(services);
    for (const job of jobs) {
      expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
      const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env).toMatchObject({ NODE_ENV: 'production', MIGRATE_ON_START: 'false' });
    }
    const configs = manifests.filter((m) => m.kind === 'ConfigMap' && services.includes(m.metadata.labels?.['app.kubernetes.io/name'] ?? ''));
    for (const c of configs) expect(c.data).toMatchObject({ MIGRATE_ON_START: 'false', JETSTREAM_REPLICAS: '3', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring.svc:4318' });
  });

  it('lets only the gateway take HTTP traffic; services reach only DNS, NATS, their database (and the collector)', () => {
    for (const manifests of [renders['the whole platform (default values)'], renders['the whole platform (production example)']]) {
      for (const policy of manifests.filter((m) => m.kind === 'NetworkPolicy' && m.metadata.labels?.['app.kubernetes.io/component'])) {
        const app = policy.metadata.labels?.['app.kubernetes.io/name'];
        const ingressPorts = (policy.spec.ingress ?? []).flatMap((r: { ports: { port: string }[] }) => r.ports.map((p) => p.port));
        expect({ app, ingressPorts }).toEqual({ app, ingressPorts: app === 'gateway' ? ['http', 'metrics'] : ['metrics'] });
        const egressPorts = (policy.spec.egress ?? []).flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
        const allowed = [53, 4222, 5432, 4318, ...(app === 'channels' ? [443, 80] : [])];
        expect({ app, unexpected: egressPorts.filter((p: number) => !allowed.includes(p)) }).toEqual({ app, unexpected: [] });
        if (app === 'gateway') expect(egressPorts).not.toContain(5432);
      }
    }
  });

  it('refuses bad values with the schema', () => {
    const bad: string[][] = [
      ['--set', 'catalog.replicaCount=-1'],
      ['--set', 'catalog.resources.limits.memory=lots'],
      ['--set', 'catalog.nats.url=nats://user:secret@nats:4222'],
      ['--set', 'catalog.metrics.port=8080'],
      ['--set', 'catalog.config.DATABASE_URL=postgres://in-a-configmap'],
      ['--set', 'catalog.image.pullPolicy=Sometimes'],
      ['--set', 'catalog.autoscaling.targetCPUUtilizationPercentage=250'],
      ['--set', 'catalog.typo=1'],
      ['--set', 'global.nats.url=http://nats:4222'],
      ['--set', 'nats.enabled=sometimes'],
    ];
    for (const args of bad) expect({ args, error: helmError('template', 'o', UMBRELLA, ...args) }).toEqual({ args, error: expect.stringMatching(/values don't meet the specifications of the schema/) });
    expect(helmError('template', 'o', SERVICE_CHART)).toMatch(/set `app`/);
    expect(helmError('template', 'o', UMBRELLA, '--set', 'postgresql.enabled=false')).toMatch(/secrets\.generate=false/);
  });

  it('makes one NATS user per app that may publish only its own subjects and the requests of the services it calls', () => {
    const conf = renders['the whole platform (default values)'].find((m) => m.metadata.name === 'omnibus-nats-authorization')?.data?.['authorization.conf'] ?? '';
    const users = [...conf.matchAll(/user: "([^"]+)"\s+password: \$(\w+)\s+permissions: (\{.*\})/g)].map(([, user, passwordVar, permissions]) => ({ user, passwordVar, permissions }));
    expect(users.map((u) => u.user).sort()).toEqual(apps);
    for (const { user, passwordVar, permissions } of users) {
      expect(passwordVar).toBe(`${user.toUpperCase().replace(/-/g, '_')}_NATS_PASSWORD`);
      const [, publish] = /publish: \{ allow: \[([^\]]*)\]/.exec(permissions) ?? [];
      const [, subscribe] = /subscribe: \{ allow: \[([^\]]*)\]/.exec(permissions) ?? [];
      const ownSubjects = publish.split(', ').filter((s) => !s.startsWith('"$JS.'));
      if (user === 'gateway') {
        expect(ownSubjects.sort()).toEqual(apps.filter((a) => a !== 'gateway').map((a) => `"${a}.>"`).sort());
        expect(permissions).not.toContain('allow_responses');
      } else {
        expect(ownSubjects[0]).toBe(`"${user}.>"`);
        expect(subscribe.split(', ').sort()).toEqual([`"${user}.>"`, '"_INBOX.>"'].sort());
        expect(permissions).toContain('allow_responses: true');
        expect(publish).toContain(`"$JS.API.STREAM.CREATE.${user.toUpperCase()}_EVENTS"`);
      }
    }
    // Each service's stream name in the contracts is the one its user may create.
    const streams = Object.entries(contracts).filter(([name, value]) => name.endsWith('_STREAM') && typeof value === 'string');
    for (const [name, value] of streams) expect(value).toBe(`${name.replace(/_STREAM$/, '')}_EVENTS`);
  });

  it('configures JetStream on disk with fsync before ack in the bundled NATS', () => {
    const conf = renders['the whole platform (default values)'].find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'omnibus-nats')?.data?.['nats.conf'] ?? '';
    expect(conf).toMatch(/jetstream \{[^}]*store_dir: \/data[^}]*sync_interval: always/s);
    expect(conf).toContain('include ./authorization.conf');
  });

  it('lists every app of the repository in the umbrella chart, so none is left out of a platform install', () => {
    const chart = load(readFileSync(join(ROOT, UMBRELLA, 'Chart.yaml'), 'utf8')) as { dependencies: { alias: string }[] };
    const values = load(readFileSync(join(ROOT, UMBRELLA, 'values.yaml'), 'utf8')) as Record<string, { enabled?: boolean }>;
    const missing = apps.filter((a) => !chart.dependencies.some((d) => d.alias === a) || values[a]?.enabled !== true);
    expect({ missing, hint: 'add the app to deploy/helm/omnibus/Chart.yaml (dependencies) and values.yaml' }).toEqual({ missing: [], hint: expect.any(String) });
  });
});
