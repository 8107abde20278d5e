// The ltik, ltijs's session token (an HS256 JWT): https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import { createRequire } from 'node:module';
import { createSecretKey, KeyObject } from 'node:crypto';

type Jwt = { sign: (...args: unknown[]) => unknown; verify: (...args: unknown[]) => unknown };

const keys = new Map<string, KeyObject>();
const asKey = (k: unknown) => (typeof k === 'string' && keys.get(k)) || k;

/**
 * ltijs signs and verifies every ltik with its secret as a string. jsonwebtoken first tries that string as a
 * PEM key, which throws, and builds a secret key from it after catching: on every request. Handing it the
 * same secret as a key object skips both; the tokens are byte for byte the same.
 */
export function useLtikKeyObject(secret: string): void {
  if (!keys.size) {
    const jwt = createRequire(require.resolve('ltijs'))('jsonwebtoken') as Jwt;
    const { sign, verify } = jwt;
    jwt.sign = (payload, k, ...rest) => sign(payload, asKey(k), ...rest);
    jwt.verify = (token, k, ...rest) => verify(token, asKey(k), ...rest);
  }
  keys.set(secret, createSecretKey(Buffer.from(secret)));
}
