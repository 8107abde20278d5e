// Platform keys for id_token validation: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import { decodeProtectedHeader } from 'jose';
import Auth from 'ltijs/dist/Utils/Auth';
import type { GetPlatform } from 'ltijs/dist/Utils/Auth';
import type { Platform } from 'ltijs';
import { RemoteKeysets } from '../../kernel/keysets';

/**
 * The platforms' public keysets, for verifying id_tokens (LTI 1.3 Core §5.1.3, Security Framework §6.3:
 * the tool fetches the platform's JWKS and picks the key by `kid`). ltijs fetches the keyset on every
 * launch with its own HTTP client, outside the SSRF guard, and converts the key each time; here the key
 * comes from `kernel/keysets.ts` (cached, guarded, refetched on an unknown kid).
 */

/** The platform as ltijs sees it, except that a keyset-configured one hands over the token's cached key. */
function withCachedKey(platform: Platform, keysets: RemoteKeysets, kid: string | undefined): Platform {
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

const keysets = new RemoteKeysets();
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
