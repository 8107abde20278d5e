import { MongoClient } from 'mongodb';
import { config, overrideConfig } from '../../src/config';
import { startEmbeddedMongo, EmbeddedMongo } from '../../src/db/embedded';
import { runPlatformAdd } from '../../src/lti/cli';

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
