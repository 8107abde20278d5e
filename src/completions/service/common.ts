import crypto from 'node:crypto';
import { z } from 'zod';
import { logger } from '../../log';

export type { ChangedBy } from '../../audit/service';

/** Instructure's keyset for signed Live Events (previous, current and next key; rotated monthly). */
export const CANVAS_LIVE_EVENTS_JWKS = 'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks';

export const LEASE_MS = 30_000;
const TIMELINE_MAX = 50;

export type TimelineEntry = { at: Date; step: string; detail: string };

export function entry(step: string, detail = ''): TimelineEntry {
  return { at: new Date(), step, detail };
}

export function pushTimeline(...entries: TimelineEntry[]) {
  return { timeline: { $each: entries, $slice: -TIMELINE_MAX } };
}

/** Matches a document no process holds: never leased, or its lease ran out before `now`. */
export function leaseFree(now: Date) {
  return { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: now } }] };
}

/** Delivery URL tokens are only recognised, never shown again: their SHA-256 is what is stored. */
export function fingerprint(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Work started by a request (processing, imports) that outlives it; awaited by settled(). */
const inFlight = new Set<Promise<void>>();

export function inBackground(what: string, work: () => Promise<void>): void {
  const run: Promise<void> = work()
    .catch((err) => logger().error({ err }, `completion sync: ${what} failed`))
    .finally(() => inFlight.delete(run));
  inFlight.add(run);
}

/** Resolves once the background work started so far has finished (shutdown, tests). */
export async function settled(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

export const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());
/** Form and CSV cells: trimmed, and blank is absent. */
export const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
