import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
let project: string;

/** A throwaway project with `npm start`'s build script, three sources and the repository's node_modules. */
beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-build-'));
  fs.mkdirSync(path.join(project, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts/build.js'), path.join(project, 'scripts/build.js'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  for (const file of ['src/paths.ts', 'src/events.ts', 'src/web/format.ts']) {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(project, file));
  }
});
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const build = async () => (await run(process.execPath, [path.join(project, 'scripts/build.js')], { cwd: project })).stdout.trim();
const output = (file: string) => path.join(project, 'dist', file.replace(/\.ts$/, '.js'));

test('npm start compiles only what changed: nothing on a restart with nothing changed, one file after one edit, and drops output whose source is gone', async () => {
  expect(await build()).toMatch(/^build: compiled 3 of 3 files in \d+ ms$/);
  const compiledAt = fs.statSync(output('src/web/format.ts')).mtimeMs;

  expect(await build()).toMatch(/^build: up to date \(3 files checked in \d+ ms\)$/);
  expect(fs.statSync(output('src/web/format.ts')).mtimeMs).toBe(compiledAt);

  fs.appendFileSync(path.join(project, 'src/events.ts'), '\nexport const EDITED = 1;\n');
  expect(await build()).toMatch(/^build: compiled 1 of 3 files/);
  expect(fs.readFileSync(output('src/events.ts'), 'utf8')).toContain('EDITED');
  expect(fs.statSync(output('src/web/format.ts')).mtimeMs).toBe(compiledAt);

  fs.rmSync(path.join(project, 'src/paths.ts'));
  expect(await build()).toMatch(/^build: up to date \(2 files checked/);
  expect(fs.existsSync(output('src/paths.ts'))).toBe(false);
});
