import { z } from 'zod';

export const objectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Not a valid id');

/** Whether a YYYY-MM-DD day exists (2026-02-30 does not, though Date would roll it into March 2). */
export function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A form's YYYY-MM-DD field naming a day that exists. */
export const calendarDay = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter the date as YYYY-MM-DD', abort: true }).refine(isCalendarDay, 'There is no such date');

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
