import { CommandError } from './errors';
import { valueKey } from './ordering';
import { Doc, isPlainObject } from './values';

export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Doc;
  [option: string]: unknown;
}

const SUPPORTED_PLUGINS = new Set(['text', 'hashed']);

export function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([f, d]) => `${f}_${d}`)
    .join('_');
}

/** Validates a createIndexes spec the way mongod does and fills in defaults. */
export function normalizeSpec(raw: Doc): IndexSpec {
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) throw new CommandError('CannotCreateIndex', 'Index keys cannot be empty.');
  for (const [field, dir] of Object.entries(key)) {
    if (typeof dir === 'number' ? dir === 0 || Number.isNaN(dir) : !SUPPORTED_PLUGINS.has(String(dir))) {
      throw new CommandError('CannotCreateIndex', `Values in the index key pattern can only be numbers or strings, found ${field}: ${JSON.stringify(dir)}`);
    }
  }
  let normKey: Doc = {};
  for (const [field, dir] of Object.entries(key)) normKey[field] = typeof dir === 'number' ? (dir < 0 ? -1 : 1) : dir;
  const name = typeof raw.name === 'string' ? raw.name : defaultIndexName(key);
  let textOptions: Doc = {};
  if (Object.values(normKey).includes('text') && !('_fts' in normKey)) ({ key: normKey, options: textOptions } = normalizeTextSpec(normKey, raw));
  const spec: IndexSpec = { v: 2, key: normKey, name, ...textOptions };
  for (const [opt, value] of Object.entries(raw)) {
    if (opt === 'key' || opt === 'name' || opt === 'v' || opt === 'ns' || opt === 'background' || opt in textOptions) continue;
    if ((opt === 'unique' || opt === 'sparse') && value !== true) continue;
    spec[opt] = value;
  }
  if (spec.expireAfterSeconds !== undefined && (typeof spec.expireAfterSeconds !== 'number' || Object.keys(normKey).length !== 1)) {
    throw new CommandError('CannotCreateIndex', 'TTL index must be a single-field index with a numeric expireAfterSeconds');
  }
  if (name === '_id_' && spec.unique) delete spec.unique;
  return spec;
}

const IGNORED_FOR_EQUALITY = new Set(['v', 'name', 'background']);

/** Whether two specs describe the same index (mongod ignores e.g. `background`). */
export function sameIndexOptions(a: IndexSpec, b: IndexSpec): boolean {
  const norm = (s: IndexSpec): string =>
    valueKey(
      Object.fromEntries(
        Object.entries(s)
          .filter(([k]) => !IGNORED_FOR_EQUALITY.has(k))
          .sort(([x], [y]) => (x < y ? -1 : 1)),
      ),
    );
  return norm(a) === norm(b);
}

/** mongod's stored form of a text index: text fields move into `weights`, the key becomes `_fts`/`_ftsx`. */
export function normalizeTextSpec(key: Doc, raw: Doc): { key: Doc; options: Doc } {
  const weights: Doc = {};
  const outKey: Doc = {};
  let placed = false;
  for (const [field, dir] of Object.entries(key)) {
    if (dir === 'text') {
      weights[field] = 1;
      if (!placed) Object.assign(outKey, { _fts: 'text', _ftsx: 1 });
      placed = true;
    } else {
      outKey[field] = dir;
    }
  }
  if (isPlainObject(raw.weights)) Object.assign(weights, raw.weights);
  return {
    key: outKey,
    options: {
      weights,
      default_language: raw.default_language ?? 'english',
      language_override: raw.language_override ?? 'language',
      textIndexVersion: 3,
    },
  };
}
