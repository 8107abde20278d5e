import { Doc } from './commands';

// The oracle's own BSON comparison and sort, written from the MongoDB manual, for the value types the
// generators produce (null, numbers, strings, objects, arrays, booleans, dates).

const EMPTY_ARRAY = Symbol('empty array');

function rank(v: unknown): number {
  if (v === EMPTY_ARRAY) return 0; // a sort key only: an empty array sorts before null and missing
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'boolean') return 7;
  if (v instanceof Date) return 8;
  return 4;
}

export function compare(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 2 || ra === 3 || ra === 7) return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
  if (ra === 8) return Math.sign((a as Date).getTime() - (b as Date).getTime());
  if (ra === 5) {
    const [x, y] = [a as unknown[], b as unknown[]];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compare(x[i], y[i]);
      if (c) return c;
    }
    return Math.sign(x.length - y.length);
  }
  if (ra === 4) {
    const [ka, kb] = [Object.keys(a as Doc), Object.keys(b as Doc)];
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = rank((a as Doc)[ka[i]]) - rank((b as Doc)[kb[i]]) || (ka[i] < kb[i] ? -1 : ka[i] > kb[i] ? 1 : 0) || compare((a as Doc)[ka[i]], (b as Doc)[kb[i]]);
      if (c) return Math.sign(c);
    }
    return Math.sign(ka.length - kb.length);
  }
  return 0;
}

export const equal = (a: unknown, b: unknown): boolean => compare(a, b) === 0 && rank(a) === rank(b);

/** The values a dotted path reaches, arrays along the way expanded (`undefined` where it reaches nothing). */
export function reach(v: unknown, parts: string[]): unknown[] {
  if (parts.length === 0) return [v];
  if (Array.isArray(v)) {
    if (/^\d+$/.test(parts[0])) return reach(v[Number(parts[0])], parts.slice(1));
    return v.length ? v.flatMap((el) => (el !== null && typeof el === 'object' ? reach(el, parts) : [undefined])) : [undefined];
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return reach((v as Doc)[parts[0]], parts.slice(1));
  return [undefined];
}

/** A find sort key: the smallest value (ascending) or largest (descending) of the path, arrays unwound. */
function sortKey(doc: Doc, path: string, dir: number): unknown {
  const values = reach(doc, path.split('.')).flatMap((v) => (Array.isArray(v) ? (v.length ? v : [EMPTY_ARRAY]) : [v === undefined ? null : v]));
  return values.reduce((best, v) => (compare(v, best) * dir < 0 ? v : best));
}

export function sortDocs(docs: Doc[], spec: Doc): Doc[] {
  const fields = Object.entries(spec) as [string, number][];
  const keyed = docs.map((d) => ({ d, k: fields.map(([p, dir]) => sortKey(d, p, dir)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compare(a.k[i], b.k[i]);
      if (c) return c * fields[i][1];
    }
    return 0;
  });
  return keyed.map((x) => x.d);
}
