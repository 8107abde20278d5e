import { MongoClient } from 'mongodb';
import { config, overrideConfig } from '../../src/config';
import { startEmbeddedMongo, EmbeddedMongo } from '../../src/db/embedded';
import { runPlatformAdd, runPlatformLink } from '../../src/cli/platform';

let server: EmbeddedMongo;
let client: MongoClient;
const lines: string[] = [];
const out = { log: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };

beforeAll(async () => {
  server = await startEmbeddedMongo();
  overrideConfig({ db: { ...config().db, uri: server.uri, name: 'cli_test' } });
  client = await MongoClient.connect(`${server.uri}cli_test`);
});
afterAll(async () => {
  await client.close();
  await server.stop();
});
beforeEach(() => lines.splice(0));

const BASE = ['--issuer', 'https://moodle.district.example', '--client-id', 'abc123', '--auth', 'https://moodle.district.example/mod/lti/auth.php', '--token', 'https://moodle.district.example/mod/lti/token.php', '--jwks', 'https://moodle.district.example/mod/lti/certs.php'];

// Each run of the CLI is its own process; ltijs can be set up once per process, so one successful run here.
test('registers the platform as a tenant with its deployments', async () => {
  expect(await runPlatformAdd([...BASE, '--deployment', '1', '--deployment', '2', '--family', 'moodle', '--name', 'District Moodle'], out)).toBe(0);
  expect(lines.join('\n')).toContain('Registered District Moodle (moodle)');
  expect(lines.join('\n')).toContain('deployments:  1, 2');

  const tenants = await client.db().collection('tenants').find().toArray();
  expect(tenants).toHaveLength(1);
  expect(tenants[0].deployments.map((d: { deploymentId: string }) => d.deploymentId)).toEqual(['1', '2']);
  const platforms = await client.db().collection('platforms').find().toArray();
  expect(platforms).toEqual([expect.objectContaining({ platformUrl: 'https://moodle.district.example', clientId: 'abc123', authConfig: { method: 'JWK_SET', key: 'https://moodle.district.example/mod/lti/certs.php' } })]);
}, 60000);

test('missing or malformed options print what is wrong and the usage, and register nothing', async () => {
  const before = await client.db().collection('tenants').countDocuments();
  expect(await runPlatformAdd(['--issuer', 'not-a-url', '--client-id', 'x'], out)).toBe(2);
  expect(lines.join('\n')).toMatch(/--issuer: .*URL/i);
  expect(lines.join('\n')).toContain('npm run platform:add --');
  expect(await runPlatformAdd(['--bogus'], out)).toBe(2);
  expect(await client.db().collection('tenants').countDocuments()).toBe(before);
});

test('platform:link prints a single-use, expiring registration link and stores only its hash', async () => {
  expect(await runPlatformLink(['--for', 'Riverside Moodle', '--issuer', 'https://moodle.riverside.example', '--hours', '48'], out)).toBe(0);
  const printed = lines.join('\n');
  const url = new RegExp(`${config().publicUrl}/register/([A-Za-z0-9_-]{43})`).exec(printed);
  expect(url).not.toBeNull();
  expect(printed).toContain('Registration link for Riverside Moodle (works once, expires ');
  expect(printed).toContain('only for https://moodle.riverside.example');
  expect(printed).toContain('Canvas: Admin → Developer Keys → + Developer Key → + LTI Registration');
  expect(printed).toContain('Moodle: Site administration → Plugins → Activity modules → External tool → Manage tools');

  const invites = await client.db().collection('registrationInvites').find().toArray();
  expect(invites).toHaveLength(1);
  expect(JSON.stringify(invites)).not.toContain(url![1]);
  expect(invites[0]).toEqual(expect.objectContaining({ note: 'Riverside Moodle', issuer: 'https://moodle.riverside.example' }));
  const hours = (invites[0].expiresAt.getTime() - Date.now()) / 3600_000;
  expect(hours).toBeGreaterThan(47.9);
  expect(hours).toBeLessThanOrEqual(48);
});

test('platform:link refuses bad options and issues nothing', async () => {
  const before = await client.db().collection('registrationInvites').countDocuments();
  expect(await runPlatformLink(['--hours', 'forever'], out)).toBe(2);
  expect(await runPlatformLink(['--issuer', 'not-a-url'], out)).toBe(2);
  expect(await runPlatformLink(['--bogus'], out)).toBe(2);
  expect(lines.join('\n')).toContain('npm run platform:link --');
  expect(await client.db().collection('registrationInvites').countDocuments()).toBe(before);
});

test('adding a deployment to a registered platform needs no endpoints; a new platform does', async () => {
  expect(await runPlatformAdd(['--issuer', 'https://moodle.district.example', '--client-id', 'abc123', '--deployment', '9'], out)).toBe(0);
  expect(lines.join('\n')).toContain('deployments:  1, 2, 9');
  lines.splice(0);
  expect(await runPlatformAdd(['--issuer', 'https://unknown.example', '--client-id', 'zzz', '--deployment', '1'], out)).toBe(2);
  expect(lines.join('\n')).toContain('its endpoints are needed: --auth, --token and --jwks');
  expect(await runPlatformAdd(['--issuer', 'https://unknown.example', '--client-id', 'zzz', '--auth', 'https://unknown.example/a'], out)).toBe(2);
  expect(await client.db().collection('tenants').countDocuments({ issuer: 'https://unknown.example' })).toBe(0);
}, 60000);
