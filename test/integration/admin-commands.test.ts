import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { demoRoster, startPlatformServer } from '../../src/demo/platform';
import type { RunningPlatform } from '../../src/demo/platform';
import { pageText } from '../support/forms';
import { Harness, startHarness } from '../support/harness';
import { launch } from '../support/launchClient';

// The CLI runs as its own process on the tool's database; both must derive the same keys.
process.env.APP_SECRET ??= crypto.randomBytes(32).toString('hex');
const ROOT = path.resolve(__dirname, '../..');
const DEPLOYMENT = 'https://purl.imsglobal.org/spec/lti/claim/deployment_id';

let h: Harness;
const platforms: RunningPlatform[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const p of platforms) await p.close();
  await h.close();
});

const decode = (v: string) => v.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The commands the page shows, as a browser's copy would give them. */
function commandsOn(html: string): string[] {
  return [...html.matchAll(/<pre class="admin-command"><code>([^<]*)<\/code><\/pre>/g)].map((m) => decode(m[1]));
}

/** What the shell hands to `npm run platform:… --` when the line is pasted into bash, run in an empty folder. */
function argsAsTheShellReadsThem(command: string): { args: string[]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-cmd-'));
  const run = spawnSync('bash', ['-c', `npm() { shift 3; printf '%s\\0' "$@"; }\n${command}`], { cwd: dir, encoding: 'utf8' });
  expect(run.status).toBe(0);
  return { args: run.stdout.split('\0').slice(0, -1), dir };
}

/** `npm run platform:add -- <args>` against the tool's database, in its own process like the real CLI. */
function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), path.join(ROOT, 'src/cli/platform.ts'), 'add', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URI: h.dbUri },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

/** Other processes' changes reach this one's tenant cache within seconds: retry until the launch lands. */
async function eventually<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 60; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('never succeeded');
}

test('an unknown deployment’s page prints the command that adds it, and after running it the launch works', async () => {
  const spec = { user: h.moodle.users.teacher.sub, course: h.moodle.course.id, tamper: { claims: { [DEPLOYMENT]: '42' } } };
  const refused = await h.rawLaunch(h.moodle, spec);
  expect(refused.status).toBe(403);
  const text = pageText(refused.text);
  expect(text).toContain('This LMS deployment is not registered');
  expect(text).toContain(h.moodle.sim.issuer);
  expect(text).toContain(h.moodle.sim.clientId);
  expect(text).toContain('Ask whoever runs PD Pathways for your district');
  const [command] = commandsOn(refused.text);
  expect(command).toBe(`npm run platform:add -- --issuer ${h.moodle.sim.issuer} --client-id ${h.moodle.sim.clientId} --deployment 42`);

  const cli = await runCli(argsAsTheShellReadsThem(command).args);
  expect(cli.output).toContain('deployments:  3, 42');
  expect(cli.code).toBe(0);
  const tenant = await h.db().collection('tenants').findOne({ _id: h.moodle.tenantId });
  expect(tenant?.deployments.map((d: { deploymentId: string }) => d.deploymentId)).toEqual(['3', '42']);
  await eventually(async () => ((await h.rawLaunch(h.moodle, spec)).ltik ? true : undefined));
}, 120_000);

test('an unregistered Moodle’s page prints commands that register it, and after running one the launch works', async () => {
  const running = await startPlatformServer({
    flavor: 'moodle',
    clientId: 'fresh-moodle-client',
    deploymentId: '7',
    tool: { loginUrl: `${h.toolUrl}/login`, launchUrl: `${h.toolUrl}/`, jwksUrl: `${h.toolUrl}/keys` },
  });
  platforms.push(running);
  const { users, course } = demoRoster('moodle');
  Object.values(users).forEach((u) => running.sim.addUser(u));
  running.sim.addCourse(course);
  const spec = { user: users.teacher.sub, course: course.id };

  const initiation = running.sim.loginInitiationForm(spec);
  const refused = await supertest(h.app).post('/login').type('form').send(initiation.fields);
  expect(refused.status).toBe(400);
  expect(pageText(refused.text)).toContain('This LMS is not registered');
  expect(pageText(refused.text)).toContain('fresh-moodle-client');
  const [link, add] = commandsOn(refused.text);
  expect(link).toBe(`npm run platform:link -- --issuer ${running.sim.issuer}`);
  expect(add).toBe(
    `npm run platform:add -- --issuer ${running.sim.issuer} --client-id fresh-moodle-client --auth ${running.sim.authUrl} --token ${running.sim.tokenUrl} --jwks ${running.sim.jwksUrl} --deployment 7 --family moodle`,
  );

  const cli = await runCli(argsAsTheShellReadsThem(add).args);
  expect(cli.code).toBe(0);
  const landed = await eventually(async () => {
    const result = await launch(h.app, running.sim, spec);
    return result.ltik ? result : undefined;
  });
  expect(pageText(landed.text)).toContain('My PD plan');
}, 120_000);

test('hostile issuer, client id and deployment id are escaped on the page and stay single words in the shell', async () => {
  const hostile = {
    iss: 'https://evil.example/$(touch pwned-iss)',
    client_id: `x'; touch pwned-quote; echo '<script>alert(1)</script>`,
    lti_deployment_id: '`touch pwned-backtick`"$HOME"',
  };
  const page = await supertest(h.app).post('/login').type('form').send({ ...hostile, login_hint: 'u', target_link_uri: `${h.toolUrl}/` });
  expect(page.status).toBe(400);
  expect(page.text).not.toContain('<script>alert(1)</script>');
  const commands = commandsOn(page.text);
  expect(commands).toHaveLength(2);
  for (const command of commands) {
    const { args, dir } = argsAsTheShellReadsThem(command);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(args.slice(0, 2)).toEqual(['--issuer', hostile.iss]);
    if (args.includes('--client-id')) {
      expect(args[args.indexOf('--client-id') + 1]).toBe(hostile.client_id);
      expect(args[args.indexOf('--deployment') + 1]).toBe(hostile.lti_deployment_id);
    }
  }

  // A value with a line break or a bidi override cannot be shown as one honest line: no command at all.
  const spoofed = await supertest(h.app).post('/login').type('form').send({ iss: 'https://lms.example', client_id: 'abc\u202Edef', login_hint: 'u', target_link_uri: `${h.toolUrl}/` });
  expect(spoofed.status).toBe(400);
  expect(commandsOn(spoofed.text)).toEqual([]);
  expect(pageText(spoofed.text)).toContain('npm run platform:link');
});
