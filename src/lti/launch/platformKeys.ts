// Platform keys for id_token validation: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import { createPublicKey, KeyObject } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import Auth from 'ltijs/dist/Utils/Auth';
import type { GetPlatform } from 'ltijs/dist/Utils/Auth';
import type { Platform } from 'ltijs';
import { guardedFetch, OutboundResponse } from '../../kernel/outbound';

/**
 * The platforms' public keysets, for verifying id_tokens (LTI 1.3 Core §5.1.3, Security Framework §6.3:
 * the tool fetches the platform's JWKS and picks the key by `kid`). ltijs fetches the keyset on every
 * launch with its own HTTP client, outside the SSRF guard, and converts the key each time. Here each
 * keyset is fetched through `outbound.ts`, kept as key objects for the `max-age` its server sends
 * (bounded), and fetched again at once when a token names a `kid` it lacks: a platform that rotates its
 * key signs the next launch with the new one.
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
    if (typeof jwk?.kid !== 'string' || jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' }));
    } catch {
      // a malformed key is skipped; a token naming it fails as KEY_NOT_FOUND
    }
  }
  return keys;
}

export class PlatformKeysets {
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

/** The platform as ltijs sees it, except that a keyset-configured one hands over the token's cached key. */
function withCachedKey(platform: Platform, keysets: PlatformKeysets, kid: string | undefined): Platform {
  const authConfig = async () => {
    const config = await platform.platformAuthConfig();
    if (config.method !== 'JWK_SET') return config;
    // ltijs verifies an RSA_KEY-configured token with the key as given (a key object here)
    return { method: 'RSA_KEY' as const, key: (await keysets.keyFor(config.key, kid)) as unknown as string };
  };
  return new Proxy(platform, {
    get(target, prop) {
      if (prop === 'platformAuthConfig') return authConfig;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function kidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined; // ltijs refuses the token itself
  }
}

const keysets = new PlatformKeysets();
let installed = false;

/** Makes ltijs's launch validation take platform keys from the cache (once per process). */
export function useCachedPlatformKeys(): void {
  if (installed) return;
  installed = true;
  const validate = Auth.validateToken.bind(Auth);
  Auth.validateToken = (token, devMode, params, getPlatform, encryptionKey, database) => {
    const cachedKeys: GetPlatform = async (...args) => {
      const platform = await getPlatform(...args);
      return platform ? withCachedKey(platform, keysets, kidOf(token)) : platform;
    };
    return validate(token, devMode, params, cachedKeys, encryptionKey, database);
  };
}
