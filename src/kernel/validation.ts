import { z } from 'zod';

export const objectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Not a valid id');

/** Form checkboxes arrive as a string, an array, or nothing. */
export function formList<T extends z.ZodTypeAny>(item: T) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as z.infer<T>[]);
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_FORM_INDEX = 500;

/**
 * Form fields named with dots ("competencies.2.levels.0") become nested objects and arrays, so zod
 * error paths ("competencies.2.levels.0") name the very field to mark. Numeric parts make arrays.
 */
export function unflatten(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body ?? {})) {
    const keys = name.split('.');
    if (keys.some((k) => UNSAFE_KEYS.has(k) || (/^\d+$/.test(k) && Number(k) > MAX_FORM_INDEX))) continue;
    const last = keys.pop()!;
    let node: Record<string, unknown> | undefined = out;
    for (const [i, key] of keys.entries()) {
      node[key] ??= /^\d+$/.test(keys[i + 1] ?? last) ? [] : {};
      const next: unknown = node[key];
      node = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : undefined;
      if (!node) break; // "a" and "a.b" both sent: keep the first
    }
    if (node) node[last] = value;
  }
  return out;
}
