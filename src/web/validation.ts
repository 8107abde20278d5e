import { z } from 'zod';

export const objectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Not a valid id');

/** Form checkboxes arrive as a string, an array, or nothing. */
export function formList<T extends z.ZodTypeAny>(item: T) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as z.infer<T>[]);
}
