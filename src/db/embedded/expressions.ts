import { FIELD_NAME as NAME } from './projection';
import { Doc, isPlainObject } from './values';

// The aggregation expressions reports compute with ($sum, $ifNull, $cond, $map, $reduce, comparisons...)
// compiled once to plain functions, for stages on lent documents. mingo evaluates each operator through its
// generic machinery per row, which was most of a plan-load report's time. A value outside what the plain
// function covers (a date compared with a string, an array inside an array, NaN...) throws `OFF`, and that
// document goes through mingo instead, so results never differ. Unknown operators leave the stage to mingo.

export const OFF = Symbol('left to mingo');
interface Scope {
  root: Readonly<Doc>;
  vars: Record<string, unknown>;
}
export type Compiled = (scope: Scope) => unknown;

const isNil = (v: unknown) => v === null || v === undefined;
/** mingo's truthiness in strict mode: '' is true, as in mongod. */
const truthy = (v: unknown): boolean => {
  if (typeof v === 'number' && Number.isNaN(v)) throw OFF;
  return v === '' || !!v;
};

/** A path's value, through arrays of documents as mingo resolves it; undefined when missing. */
function resolve(value: unknown, parts: string[], at = 0): unknown {
  if (at === parts.length) return value;
  if (isPlainObject(value)) return resolve(value[parts[at]], parts, at + 1);
  if (!Array.isArray(value)) return undefined;
  const out: unknown[] = [];
  for (const element of value) {
    if (Array.isArray(element)) throw OFF;
    if (!isPlainObject(element)) continue;
    const v = resolve(element, parts, at);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function compilePath(path: string): Compiled | undefined {
  if (path.startsWith('$$')) {
    const [name, ...parts] = path.slice(2).split('.');
    if (!NAME.test(name) || name === 'REMOVE' || name === 'NOW' || name === 'CLUSTER_TIME' || parts.some((p) => !NAME.test(p))) return undefined;
    if (name === 'ROOT' || name === 'CURRENT') return ({ root }) => resolve(root, parts);
    return ({ vars }) => {
      if (!(name in vars)) throw OFF;
      return resolve(vars[name], parts);
    };
  }
  const parts = path.slice(1).split('.');
  return parts.every((p) => NAME.test(p)) ? ({ root }) => resolve(root, parts) : undefined;
}

const numbers = (a: unknown, b: unknown): [number, number] => {
  if (typeof a === 'number' && typeof b === 'number' && !Number.isNaN(a) && !Number.isNaN(b)) return [a, b];
  if (a instanceof Date && b instanceof Date) return [a.getTime(), b.getTime()];
  throw OFF;
};

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = { $gt: (a, b) => a > b, $gte: (a, b) => a >= b, $lt: (a, b) => a < b, $lte: (a, b) => a <= b };

/** A number as mingo counts it in $sum and $avg: NaN is not one. */
export const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

function sumOf(values: unknown[]): number {
  let total = 0;
  for (const v of values) if (isNumber(v)) total += v;
  return total;
}

const args = (raw: unknown, n?: number): Compiled[] | undefined => {
  const list = Array.isArray(raw) ? raw : [raw];
  if (n !== undefined && list.length !== n) return undefined;
  const compiled = list.map(compileExpression);
  return compiled.every(Boolean) ? (compiled as Compiled[]) : undefined;
};

function compileOperator(op: string, raw: unknown): Compiled | undefined {
  if (op === '$literal') return () => raw;
  if (op in COMPARISONS) {
    const [a, b] = args(raw, 2) ?? [];
    const cmp = COMPARISONS[op];
    return a && b && ((s) => cmp(...numbers(a(s), b(s))));
  }
  if (op === '$eq' || op === '$ne') {
    const [a, b] = args(raw, 2) ?? [];
    const simple = (v: unknown) => (v === undefined || v === null || ['string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isNaN(v)) ? v ?? null : OFF);
    return a && b && ((s) => {
      const [x, y] = [simple(a(s)), simple(b(s))];
      if (x === OFF || y === OFF) throw OFF;
      return (x === y) === (op === '$eq');
    });
  }
  if (op === '$and' || op === '$or') {
    const list = args(raw);
    return list && (op === '$and' ? (s) => list.every((f) => truthy(f(s))) : (s) => list.some((f) => truthy(f(s))));
  }
  if (op === '$not') {
    const [a] = args(raw, 1) ?? [];
    return a && ((s) => !a(s)); // mingo's $not is JavaScript's: '' is false here
  }
  if (op === '$ifNull') {
    const [a, b] = args(raw, 2) ?? [];
    return a && b && ((s) => {
      const v = a(s);
      return isNil(v) ? b(s) : v;
    });
  }
  if (op === '$cond') {
    const parts = isPlainObject(raw) ? [raw.if, raw.then, raw.else] : raw;
    if (isPlainObject(raw) && Object.keys(raw).some((k) => !['if', 'then', 'else'].includes(k))) return undefined;
    const [test, yes, no] = args(parts, 3) ?? [];
    return test && yes && no && ((s) => (truthy(test(s)) ? yes(s) : no(s)));
  }
  if (op === '$sum') {
    if (Array.isArray(raw)) {
      const list = args(raw);
      return list && ((s) => sumOf(list.map((f) => f(s)).filter((v) => !Array.isArray(v))));
    }
    const [a] = args(raw, 1) ?? [];
    return a && ((s) => {
      const v = a(s);
      return Array.isArray(v) ? sumOf(v) : isNumber(v) ? v : 0;
    });
  }
  if (op === '$size') {
    const [a] = args(raw, 1) ?? [];
    return a && ((s) => {
      const v = a(s);
      if (!Array.isArray(v)) throw OFF;
      return v.length;
    });
  }
  if (op === '$concatArrays') {
    const list = args(raw);
    return list && ((s) => {
      const values = list.map((f) => f(s));
      if (values.some(isNil)) return null;
      if (!values.every(Array.isArray)) throw OFF;
      return (values as unknown[][]).flat(1);
    });
  }
  if (op === '$map' || op === '$reduce') return compileLoop(op, raw);
  return undefined;
}

/** `$map: { input, as, in }` and `$reduce: { input, initialValue, in }`, their variables in scope for `in`. */
function compileLoop(op: '$map' | '$reduce', raw: unknown): Compiled | undefined {
  if (!isPlainObject(raw)) return undefined;
  const known = op === '$map' ? ['input', 'as', 'in'] : ['input', 'initialValue', 'in'];
  if (Object.keys(raw).some((k) => !known.includes(k))) return undefined;
  const as = op === '$map' ? (raw.as ?? 'this') : 'this';
  if (typeof as !== 'string' || !NAME.test(as)) return undefined;
  const input = compileExpression(raw.input);
  const body = compileExpression(raw.in);
  const initial = op === '$reduce' ? compileExpression(raw.initialValue) : undefined;
  if (!input || !body || (op === '$reduce' && !initial)) return undefined;
  return (s) => {
    const list = input(s);
    if (isNil(list)) return null;
    if (!Array.isArray(list)) throw OFF;
    if (op === '$map') return list.map((item) => body({ root: s.root, vars: { ...s.vars, [as]: item } }));
    let value = initial!(s);
    for (const item of list) value = body({ root: s.root, vars: { ...s.vars, value, this: item } });
    return value;
  };
}

/** `expr` as a plain function, or undefined when mingo must evaluate it. */
export function compileExpression(expr: unknown): Compiled | undefined {
  if (typeof expr === 'string') return expr.startsWith('$') ? compilePath(expr) : () => expr;
  if (expr === null || typeof expr === 'number' || typeof expr === 'boolean') return () => expr;
  if (Array.isArray(expr)) {
    const list = args(expr);
    return list && ((s) => list.map((f) => {
      const v = f(s);
      if (v === undefined) throw OFF;
      return v;
    }));
  }
  if (!isPlainObject(expr)) return undefined;
  const keys = Object.keys(expr);
  if (keys.length === 1 && keys[0].startsWith('$')) return compileOperator(keys[0], expr[keys[0]]);
  if (keys.some((k) => !NAME.test(k))) return undefined;
  const fields = keys.map((k) => [k, compileExpression(expr[k])] as const);
  if (fields.some(([, f]) => !f)) return undefined;
  return (s) => {
    const out: Doc = {};
    for (const [k, f] of fields) {
      const v = f!(s);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
}
