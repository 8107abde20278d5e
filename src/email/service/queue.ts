import { z } from 'zod';
import { TenantId } from '../../db/tenancy';
import * as outbox from '../../outbox/service';
import { EMAIL_KINDS } from '../rules';

/** What an `email` outbox message carries: who gets it, which kind, and what it is made from. */
export const EmailPayload = z.object({
  userId: z.string(),
  kind: z.enum(EMAIL_KINDS),
  noticeId: z.string().optional(),
  /** A manager's copy: the teacher the notice is for. */
  aboutUserId: z.string().optional(),
  /** The weekly digest: its send day (YYYY-MM-DD). */
  week: z.string().optional(),
});
export type EmailPayload = z.infer<typeof EmailPayload>;

/** One email's outbox message; its key (per notice or digest week, and per recipient) makes it one email however often it is queued. */
export function emailMessage(key: string, payload: EmailPayload, label: string): outbox.EnqueueInput {
  return { kind: 'email', key, payload, label: label.slice(0, 200), once: true };
}

/** Queues one email (see emailMessage). */
export async function enqueueEmail(tenantId: TenantId, key: string, payload: EmailPayload, label: string): Promise<void> {
  await outbox.enqueue(tenantId, emailMessage(key, payload, label));
}
