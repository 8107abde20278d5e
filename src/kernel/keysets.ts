import { createPublicKey, KeyObject } from 'node:crypto';
import { guardedFetch, OutboundResponse } from './outbound';

/**
 * Public keysets (JWKS) at URLs others supply — an LMS platform's id_token keys, Canvas's Live Events keys —
 * fetched through the SSRF guard, kept as key objects for the `max-age` their server sends (bounded), and
 * fetched again at once when a token names a `kid` the set lacks, so a rotated key works on the next
 * request while made-up kids cause few refetches.
 */

const DEFAULT_TTL_MS = 10 * 60_000;
const MAX_TTL_MS = 24 * 60 * 60_000;
/** Refetches for an unknown kid per keyset per minute: a rotation needs one, a forged kid gets no more. */
const MISS_REFETCHES_PER_MINUTE = 10;

type Fetch = (url: string) => Promise<OutboundResponse>;

interface Keyset {
  keys: Map<string, KeyObject>;
  expiresAt: number;
}

/** How long an answer may be kept: `no-store`/`no-cache` not at all, else its `max-age`, else ten minutes. */
export function cacheLifetimeMs(cacheControl: string | undefined): number {
  const directives = (cacheControl ?? '').toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(directives)) return 0;
  const maxAge = /\bmax-age=(\d+)/.exec(directives)?.[1];
  return maxAge === undefined ? DEFAULT_TTL_MS : Math.min(Number(maxAge) * 1000, MAX_TTL_MS);
}

function parseKeyset(text: string): Map<string, KeyObject> {
  let body: { keys?: unknown };
  try {
    body = JSON.parse(text) as { keys?: unknown };
  } catch {
    throw new Error('KEYSET_NOT_FOUND');
  }
  if (!Array.isArray(body.keys)) throw new Error('KEYSET_NOT_FOUND');
  const keys = new Map<string, KeyObject>();
  for (const jwk of body.keys as { kid?: unknown; kty?: unknown; use?: unknown }[]) {
    if (typeof jwk?.kid !== 'string' || (jwk.kty !== 'RSA' && jwk.kty !== 'EC') || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' }));
    } catch {
      // a malformed key is skipped; a token naming it fails as KEY_NOT_FOUND
    }
  }
  return keys;
}

export class RemoteKeysets {
  private readonly sets = new Map<string, Keyset>();
  private readonly inFlight = new Map<string, Promise<Keyset>>();
  private readonly misses = new Map<string, number[]>();

  constructor(
    private readonly fetchKeyset: Fetch = (url) => guardedFetch(url, { headers: { accept: 'application/json' } }),
    private readonly now: () => number = Date.now,
  ) {}

  /** The key for `kid` from the keyset at `url`: cached, or fetched (once for concurrent launches). */
  async keyFor(url: string, kid: string | undefined): Promise<KeyObject> {
    if (!kid) throw new Error('KID_NOT_FOUND');
    const cached = this.sets.get(url);
    let set = cached && cached.expiresAt > this.now() ? cached : await this.refresh(url);
    if (!set.keys.has(kid) && set === cached && this.mayRefetchFor(url)) set = await this.refresh(url);
    const key = set.keys.get(kid);
    if (!key) throw new Error('KEY_NOT_FOUND');
    return key;
  }

  private mayRefetchFor(url: string): boolean {
    const recent = (this.misses.get(url) ?? []).filter((t) => t > this.now() - 60_000);
    if (recent.length >= MISS_REFETCHES_PER_MINUTE) return false;
    this.misses.set(url, [...recent, this.now()]);
    return true;
  }

  private refresh(url: string): Promise<Keyset> {
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchSet(url).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private async fetchSet(url: string): Promise<Keyset> {
    const res = await this.fetchKeyset(url);
    if (res.status !== 200) throw new Error('KEYSET_NOT_FOUND');
    const set = { keys: parseKeyset(res.text), expiresAt: this.now() + cacheLifetimeMs(res.cacheControl) };
    this.sets.set(url, set);
    return set;
  }
}

