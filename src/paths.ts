import fs from 'node:fs';
import path from 'node:path';

function findRoot(dir: string): string {
  let current = dir;
  while (!fs.existsSync(path.join(current, 'package.json'))) {
    const parent = path.dirname(current);
    if (parent === current) throw new Error('package.json not found above ' + dir);
    current = parent;
  }
  return current;
}

/** The project root, whether running from src/ (tests) or dist/src/ (npm start). */
export const ROOT = findRoot(__dirname);
export const VIEWS_DIR = path.join(ROOT, 'views');
export const PUBLIC_DIR = path.join(ROOT, 'public');
