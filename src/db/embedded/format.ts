import { Binary, ObjectId } from 'bson';
import { Doc, isPlainObject } from './values';

/** Renders a value the way mongod prints BSON in error messages, e.g. `{ name: "x", _id: ObjectId('…') }`. */
export function formatKeyValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Binary) return `BinData(${v.sub_type}, ${Buffer.from(v.buffer.subarray(0, v.position)).toString('hex').toUpperCase()})`;
  if (Array.isArray(v)) return v.length ? `[ ${v.map(formatKeyValue).join(', ')} ]` : '[]';
  if (isPlainObject(v)) {
    const keys = Object.keys(v as Doc);
    return keys.length ? `{ ${keys.map((k) => `${k}: ${formatKeyValue((v as Doc)[k])}`).join(', ')} }` : '{}';
  }
  return String(v);
}
