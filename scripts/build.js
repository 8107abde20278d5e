#!/usr/bin/env node
// Compiles src/ and bench/ to dist/ with swc, one file at a time, skipping files whose output is newer than
// the source. Types are checked by `npm run typecheck` (part of `npm test`), not here: a restart with nothing
// changed compiles nothing, and a first start takes seconds instead of a full tsc program build.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist');
const DIRS = ['src', 'bench'];
const OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  // import() stays native: the Data Integrity libraries are ES modules, which require() cannot load.
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: false,
};
// Output from another swc version or other options is rebuilt in full.
const STAMP = JSON.stringify({ swc: swc.version, options: OPTIONS });
const STAMP_FILE = path.join(OUT, '.build-stamp');

function sources(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function outputOf(source) {
  return path.join(OUT, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
}

function upToDate(source, output) {
  try {
    return fs.statSync(output).mtimeMs >= fs.statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

/** Removes compiled files whose source is gone, so a deleted module cannot be required by accident. */
function removeStale(expected) {
  for (const dir of DIRS) {
    const walk = (d) => {
      if (!fs.existsSync(d)) return;
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (!expected.has(full)) fs.rmSync(full);
      }
    };
    walk(path.join(OUT, dir));
  }
}

async function build() {
  const started = Date.now();
  const fresh = !fs.existsSync(STAMP_FILE) || fs.readFileSync(STAMP_FILE, 'utf8') !== STAMP;
  const files = DIRS.flatMap((d) => sources(path.join(ROOT, d)));
  const expected = new Set(files.map(outputOf));
  removeStale(expected);
  const todo = files.filter((f) => fresh || !upToDate(f, outputOf(f)));
  await Promise.all(
    todo.map(async (file) => {
      const { code } = await swc.transformFile(file, { ...OPTIONS, filename: file, swcrc: false, configFile: false });
      const out = outputOf(file);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, code);
    }),
  );
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(STAMP_FILE, STAMP);
  const ms = Date.now() - started;
  if (!process.argv.includes('--quiet')) {
    console.log(todo.length ? `build: compiled ${todo.length} of ${files.length} files in ${ms} ms` : `build: up to date (${files.length} files checked in ${ms} ms)`);
  }
}

build().catch((err) => {
  console.error(err);
  process.exit(1);
});
