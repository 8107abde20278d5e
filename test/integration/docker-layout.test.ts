import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * No Docker engine here, so the image's run-time stage is rebuilt by hand: the files its COPY lines take (the
 * build's node_modules linked, not pruned), started with its CMD in production, probed with its HEALTHCHECK,
 * stopped with its STOPSIGNAL. A file the app reads at run time but the image leaves out fails here.
 */
const ROOT = path.resolve(__dirname, '../..');
const image = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-image-'));
afterAll(() => fs.rmSync(image, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const runtimeStage = () => fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split(/^FROM /m).pop()!;
const jsonArray = (stage: string, instruction: string) => JSON.parse(new RegExp(`^${instruction} (?:.*\\\\\\n\\s*)?(?:CMD )?(\\[.*\\])$`, 'm').exec(stage)![1]!) as string[];

function assembleImage(stage: string): void {
  for (const [, from, to] of stage.matchAll(/^COPY (?:--from=build )?(.+) (\S+)$/gm)) {
    for (const source of from!.split(' ').map((s) => s.replace(/^\/app\//, ''))) {
      const target = to!.endsWith('/') || from!.includes(' ') ? path.join(image, to!, path.basename(source)) : path.join(image, to!);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (source === 'node_modules') fs.symlinkSync(path.join(ROOT, 'node_modules'), target, 'dir');
      else fs.cpSync(path.join(ROOT, source), target, { recursive: true });
    }
  }
}

test('the image layout starts in production with its CMD, passes its HEALTHCHECK and stops cleanly', async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.js'), '--quiet'], { cwd: ROOT });
  const stage = runtimeStage();
  assembleImage(stage);
  expect(fs.existsSync(path.join(image, 'src'))).toBe(false);
  const port = await freePort();
  const { MONGODB_URI: _ignored, ...inherited } = process.env;
  const env = { ...inherited, NODE_ENV: 'production', PORT: String(port), PUBLIC_URL: 'https://pd.example.org', APP_SECRET: 'image-test-secret-image-test-secret-0000', ALLOW_EMBEDDED_DB: 'true', EMBEDDED_DB_DIR: path.join(image, 'db'), LOG_LEVEL: 'info' };
  const [command, ...args] = jsonArray(stage, 'CMD');
  const server = spawn(command!, args, { cwd: image, env });
  let out = '';
  server.stdout.on('data', (c: Buffer) => (out += c.toString()));
  server.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  try {
    for (let i = 0; i < 600 && !out.includes('PD Pathways listening'); i++) {
      if (server.exitCode !== null) throw new Error(out);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [probe, ...probeArgs] = jsonArray(stage, 'HEALTHCHECK');
    const health = spawn(probe!, probeArgs, { env });
    expect(await new Promise((resolve) => health.once('exit', resolve))).toBe(0);
    // pages render from the copied views, assets come from the copied public folder
    const https = { headers: { 'x-forwarded-proto': 'https' } };
    const page = await fetch(`http://127.0.0.1:${port}/`, https);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('</html>');
    expect((await fetch(`http://127.0.0.1:${port}/favicon.ico`, https)).status).toBe(200);
  } finally {
    server.kill(/^STOPSIGNAL (\w+)$/m.exec(stage)![1] as NodeJS.Signals);
  }
  expect(await exited).toBe(0);
  expect(out).toContain('shutdown complete');
}, 240_000);
