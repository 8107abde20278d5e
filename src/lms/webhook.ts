import crypto from 'node:crypto';
import { sameSecret } from '../secrets';

export const TIMESTAMP_HEADER = 'x-pdp-timestamp';
export const SIGNATURE_HEADER = 'x-pdp-signature';
/** Deliveries older (or newer) than this are refused, so a captured request cannot be replayed later. */
export const MAX_SKEW_SECONDS = 300;

/** `sha256=<hex of HMAC-SHA256(secret, timestamp + "." + rawBody)>` — what a sender puts in X-PDP-Signature. */
export function signDelivery(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'bad';

/** Checks a generic-webhook delivery's timestamp and HMAC signature (constant-time compare). */
export function checkDelivery(secret: string, headers: { timestamp?: string; signature?: string }, rawBody: string, now = Date.now()): SignatureCheck {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return 'stale';
  return sameSecret(signDelivery(secret, timestamp, rawBody), signature.trim().toLowerCase()) ? 'ok' : 'bad';
}
