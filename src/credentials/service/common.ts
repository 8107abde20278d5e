import { z } from 'zod';
import { fieldErrors, Invalid } from '../../kernel/errors';

// Small helpers the credential service files share.

export function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Invalid('Some fields need attention.', fieldErrors(parsed.error));
  return parsed.data;
}
