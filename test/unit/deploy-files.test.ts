import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * This machine has no Docker engine, so the image and the compose file are checked as files: what each must
 * contain for the deployment the README describes, and that every setting they pass is one the app reads.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  networks?: string[];
  volumes?: string[];
  read_only?: boolean;
};
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, Service>; networks: Record<string, { internal?: boolean } | null> };
const services = compose.services;
const apps = ['app1', 'app2'].map((name) => services[name]!);
const mongos = ['mongo1', 'mongo2', 'mongo3'];

/** Every environment variable the app reads: node-config's mapping plus the secret read directly. */
function knownVariables(): Set<string> {
  const names = new Set(['APP_SECRET', 'NODE_ENV']);
  const walk = (node: unknown): void => {
    if (typeof node === 'string') names.add(node);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.__name === 'string') names.add(o.__name);
      else Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(read('config/custom-environment-variables.json')));
  return names;
}

describe('deploy/compose.yaml', () => {
  test('a three-member replica set, each member with its own volume on the internal network only', () => {
    for (const name of mongos) {
      const s = services[name]!;
      expect(s.image).toMatch(/^mongo:/);
      expect(s.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
      expect(s.ports).toBeUndefined();
      expect(s.networks).toEqual(['data']);
    }
    expect(new Set(mongos.map((m) => services[m]!.volumes![0]!.split(':')[0])).size).toBe(3);
    expect(compose.networks.data?.internal).toBe(true);
  });

  test('an init service initiates the set with exactly those three members, waits for a primary, and the apps wait for it', () => {
    const init = services['mongo-init']!;
    const script = init.command!.join(' ');
    expect(script).toContain("rs.initiate({ _id: 'rs0'");
    expect(script.match(/host: 'mongo\d:27017'/g)?.sort()).toEqual(mongos.map((m) => `host: '${m}:27017'`));
    for (const m of mongos) expect(init.depends_on?.[m]?.condition).toBe('service_healthy');
    for (const app of apps) expect(app.depends_on?.['mongo-init']?.condition).toBe('service_completed_successfully');
  });

  test('two app instances from the Dockerfile, in production, on the replica set, with the secret and address required', () => {
    for (const app of apps) {
      expect(app.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      const env = app.environment!;
      expect(env.NODE_ENV).toBe('production');
      expect(env.MONGODB_URI).toBe('mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0');
      expect(env.APP_SECRET).toMatch(/^\$\{APP_SECRET:\?/);
      expect(env.PUBLIC_URL).toMatch(/^https:\/\/\$\{SITE_ADDRESS:\?/);
      expect(env.TRUST_PROXY).toBe('true');
      expect(env.WEB_CONCURRENCY).toMatch(/WEB_CONCURRENCY/);
      expect(app.read_only).toBe(true);
      expect(app.ports).toBeUndefined();
      const unknown = Object.keys(env).filter((name) => !knownVariables().has(name));
      expect(unknown).toEqual([]);
    }
  });

  test('only the proxy publishes ports, and it balances over both instances by their health route', () => {
    const published = Object.entries(services).filter(([, s]) => s.ports).map(([name]) => name);
    expect(published).toEqual(['proxy']);
    const proxy = services.proxy!;
    for (const app of ['app1', 'app2']) expect(proxy.depends_on?.[app]?.condition).toBe('service_healthy');
    const caddyfile = read('deploy/Caddyfile');
    expect(caddyfile).toMatch(/reverse_proxy app1:3000 app2:3000/);
    expect(caddyfile).toMatch(/health_uri \/healthz/);
    expect(read('src/web/health.ts')).toContain("router.get('/healthz'");
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1]!;

  test('builds in one stage and runs from another with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/node scripts\/build\.js/);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  test('runs as a non-root user, checks /healthz, starts the built server', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/server\.js"\]$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production/m);
  });

  test('copies what the app reads at run time, and every copied path exists', () => {
    for (const dir of ['config', 'views', 'public', 'samples']) expect(runtime).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const source of sources) expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git']));
  });
});
