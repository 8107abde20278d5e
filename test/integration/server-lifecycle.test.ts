import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
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
async function startServer(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, EMBEDDED_DB_DIR: path.join(dataDir, 'db'), DEMO_ENABLED: 'true', LOG_LEVEL: 'info', APP_SECRET: 'lifecycle-test-secret-lifecycle-test-secret' },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 300 && !out.includes('Demo ready'); i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out };
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function usersInDatabase(): Promise<number> {
  const { port } = JSON.parse(fs.readFileSync(`${path.join(dataDir, 'db')}.server.json`, 'utf8')) as { port: number };
  const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/pdpathways`);
  try {
    return await client.db().collection('users').countDocuments();
  } finally {
    await client.close();
  }
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('the server logs its database, serves the demo, stops cleanly on SIGTERM and keeps its data across a restart', async () => {
  const port = await freePort();
  const first = await startServer(port);
  expect(first.output()).toContain('database: using the embedded server (persisted in');
  expect((await fetch(`http://127.0.0.1:${port}/demo`)).status).toBe(200);
  const seededUsers = await usersInDatabase();
  expect(seededUsers).toBeGreaterThan(0);

  const exit = stopped(first.child);
  first.child.kill('SIGTERM');
  const code = await exit;
  if (code !== 0) console.log(first.output());
  expect(code).toBe(0);
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
}, 90000);

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

test('npm start on another port, without PUBLIC_URL, serves a demo whose launches work and says where as its last line', async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', PORT: String(port), EMBEDDED_DB_DIR: path.join(dataDir, 'npm-start-db'), LOG_LEVEL: 'info', APP_SECRET: 'lifecycle-test-secret-lifecycle-test-secret' };
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
  }
}, 180000);
