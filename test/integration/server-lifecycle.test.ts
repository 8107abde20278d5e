import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { config } from '../../src/config';
import { startDatabase } from '../../src/db/connection';
import { field, Jar, step } from '../../bench/launchClient';

const ROOT = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-lifecycle-'));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `src/server.ts` as its own process, the way `npm start` runs it, with the demo and a persisted embedded database. */
function spawnServer(port: number, env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const { MONGODB_URI: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...inherited, NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, EMBEDDED_DB_DIR: path.join(dataDir, 'db'), DEMO_ENABLED: 'true', LOG_LEVEL: 'info', APP_SECRET: 'lifecycle-test-secret-lifecycle-test-secret', ...env },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function startServer(port: number, env: Record<string, string> = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const started = spawnServer(port, env);
  // With the demo on, start-up ends once the demo is seeded; without it, once the server listens.
  const ready = env.DEMO_ENABLED === 'false' ? 'PD Pathways listening' : 'Demo ready';
  for (let i = 0; i < 900 && !started.output().includes(ready); i++) {
    if (started.child.exitCode !== null) throw new Error(`server exited: ${started.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return started;
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Reaches the running app's database the way `npm run platform:*` does: db.server.json plus the stored credential. */
async function usersInDatabase(): Promise<number> {
  const cfg = config();
  const db = await startDatabase({ ...cfg, db: { ...cfg.db, uri: '', name: 'pdpathways', embedded: { ...cfg.db.embedded, dataDir: path.join(dataDir, 'db') } } });
  expect(db.kind).toBe('embedded');
  const client = await MongoClient.connect(db.uri);
  try {
    return await client.db().collection('users').countDocuments();
  } finally {
    await client.close();
    await db.stop();
  }
}

/** Another local process without the credential: it gets a connection but nothing out of it. */
async function strangerIsRefused(): Promise<void> {
  const { port } = JSON.parse(fs.readFileSync(`${path.join(dataDir, 'db')}.server.json`, 'utf8')) as { port: number };
  const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/pdpathways`);
  try {
    await expect(client.db().collection('users').countDocuments()).rejects.toMatchObject({ codeName: 'Unauthorized' });
  } finally {
    await client.close();
  }
  const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
  expect([mode(path.join(dataDir, 'db')), mode(`${path.join(dataDir, 'db')}.server.json`), mode(path.join(dataDir, 'db', 'credential.json'))]).toEqual(['700', '600', '600']);
}

// A server may still be flushing its last snapshot just after its parent exits: retry while the folder empties.
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 }));

test('the server logs its database, serves the demo, stops cleanly on SIGTERM and keeps its data across a restart', async () => {
  const port = await freePort();
  const first = await startServer(port);
  expect(first.output()).toContain('database: using the embedded server (persisted in');
  expect((await fetch(`http://127.0.0.1:${port}/demo`)).status).toBe(200);
  const seededUsers = await usersInDatabase();
  expect(seededUsers).toBeGreaterThan(0);
  await strangerIsRefused();

  const exit = stopped(first.child);
  first.child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(first.output()).toContain('shutdown complete');

  const second = await startServer(port);
  try {
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await usersInDatabase()).toBe(seededUsers);
  } finally {
    const exit2 = stopped(second.child);
    second.child.kill('SIGTERM');
    expect(await exit2).toBe(0);
  }
}, 240_000); // two process starts each; slow when the cores are shared

test('production refuses to start without MONGODB_URI, with a message that says what to set; ALLOW_EMBEDDED_DB lets it run on purpose', async () => {
  const port = await freePort();
  const production = { NODE_ENV: 'production', DEMO_ENABLED: 'false', EMBEDDED_DB_DIR: path.join(dataDir, 'prod-db') };
  const refused = spawnServer(port, production);
  expect(await stopped(refused.child)).toBe(1);
  expect(refused.output()).toContain('MONGODB_URI is required in production');
  expect(refused.output()).toContain('ALLOW_EMBEDDED_DB=true');
  expect(refused.output()).not.toContain('PD Pathways listening');
  expect(fs.existsSync(path.join(dataDir, 'prod-db'))).toBe(false);

  const allowed = await startServer(port, { ...production, ALLOW_EMBEDDED_DB: 'true' });
  try {
    expect(allowed.output()).toContain('ALLOW_EMBEDDED_DB is on');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  } finally {
    const exit = stopped(allowed.child);
    allowed.child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }
}, 240_000); // two process starts each; slow when the cores are shared

/** Follows a /demo start button the way a browser does: tool login, platform auth, form post back, ltik redirect. */
async function demoLaunch(base: string, startPath: string): Promise<Response> {
  const jar = new Jar();
  let res = await step(`${base}${startPath}`, jar);
  while (res.status >= 300 && res.status < 400) res = await step(new URL(res.headers.get('location')!, base).toString(), jar);
  const form = await res.text();
  const action = /<form id="lti-launch" method="post" action="([^"]+)"/.exec(form)?.[1]?.replace(/&amp;/g, '&');
  if (!action) throw new Error(`no launch form: ${form.slice(0, 300)}`);
  res = await step(action, jar, { method: 'POST', body: new URLSearchParams({ id_token: field(form, 'id_token'), state: field(form, 'state') }) });
  while (res.status >= 300 && res.status < 400) res = await step(new URL(res.headers.get('location')!, base).toString(), jar);
  return res;
}

/** npm exits before the server it started has finished shutting down; wait until the whole group is gone. */
async function groupGone(pgid: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('npm start on another port, without PUBLIC_URL, serves a demo whose launches work and says where as its last line', async () => {
  const port = await freePort();
  const { MONGODB_URI: _ignored, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, NODE_ENV: 'development', PORT: String(port), EMBEDDED_DB_DIR: path.join(dataDir, 'npm-start-db'), LOG_LEVEL: 'info', APP_SECRET: 'lifecycle-test-secret-lifecycle-test-secret' };
  delete env.PUBLIC_URL;
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    for (let i = 0; i < 1200 && !out.includes('Demo ready'); i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = out.trim().split('\n');
    expect(lines[lines.length - 1]).toBe(`Demo ready: open http://localhost:${port}/demo`);
    expect(out).toContain(`public URL http://localhost:${port}`);
    const landed = await demoLaunch(`http://localhost:${port}`, '/demo/moodle/start?as=teacher');
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('My PD plan');
  } finally {
    const exit = stopped(child);
    process.kill(-child.pid!, 'SIGTERM');
    await exit;
    await groupGone(child.pid!);
  }
}, 180000);
