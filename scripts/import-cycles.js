#!/usr/bin/env node
// Import cycles in src/, between files and between top-level folders (a root file such as app.ts counts as its
// own folder). Type-only imports count: they tie the design together as much as value imports do.
// Prints the knots (strongly connected components) of each graph; exits 1 when there is any (`npm run lint`),
// or with --files only when files form one.
// To undo a knot, invert the upward import: an event, a port handed in by src/app.ts, or a registration.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const SRC = path.resolve(__dirname, '..', 'src');

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((i) => resolve(file, i.fileName)).filter(Boolean);
}

/** Tarjan's strongly connected components; only those that are real cycles (more than one node). */
function knots(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const out = [];
  const visit = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        visit(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
    if (meta.get(v).low !== meta.get(v).index) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!meta.has(v)) visit(v);
  return out;
}

const folderOf = (file) => path.relative(SRC, file).split(path.sep)[0];

const files = new Map();
const folders = new Map();
for (const file of sources(SRC)) {
  const targets = importsOf(file);
  files.set(file, new Set(targets));
  const from = folderOf(file);
  if (!folders.has(from)) folders.set(from, new Set());
  for (const t of targets) if (folderOf(t) !== from) folders.get(from).add(folderOf(t));
}

const fileKnots = knots(files);
const folderKnots = knots(folders);
console.log(`${files.size} files, ${folders.size} top-level folders and root files`);
console.log(`file-level knots: ${fileKnots.length}`);
for (const k of fileKnots) console.log(`  ${k.map((f) => path.relative(SRC, f)).join(' <-> ')}`);
console.log(`folder-level knots: ${folderKnots.length}`);
for (const k of folderKnots) {
  console.log(`  ${k.length} of ${folders.size}: ${k.join(', ')}`);
  for (const from of k) {
    const up = [...folders.get(from)].filter((to) => k.includes(to)).sort();
    console.log(`    ${from} -> ${up.join(', ')}`);
  }
}
const filesOnly = process.argv.includes('--files');
process.exitCode = fileKnots.length || (folderKnots.length && !filesOnly) ? 1 : 0;
