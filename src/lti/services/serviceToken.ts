// Client-credentials grant with a signed JWT: https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant
import crypto from 'node:crypto';
import { Provider as lti } from 'ltijs';
import { SignJWT } from 'jose';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as tenants from '../../tenants/service';
import { expectOk, ServiceError, serviceFetch } from '../../kernel/http';

/** A platform registration, by the tenant it is or by its issuer and client id. */
export type PlatformTarget = Types.ObjectId | { issuer: string; clientId: string };

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
});

/** Tokens are renewed this long before they expire, so a call never starts with a token about to lapse. */
const RENEW_EARLY_MS = 5 * 60_000;
const DEFAULT_LIFETIME_S = 3600;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface CachedToken {
  token: string;
  renewAt: number;
}
const cache = new Map<string, CachedToken>();
const inFlight = new Map<string, Promise<string>>();

function cacheKey(target: PlatformTarget, scopes: string[]): string {
  const who = target instanceof Types.ObjectId ? `tenant:${target.toHexString()}` : `${target.issuer} ${target.clientId}`;
  return `${who}|${scopeString(scopes)}`;
}

function scopeString(scopes: string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}

async function platformOf(target: PlatformTarget): Promise<{ issuer: string; clientId: string }> {
  if (!(target instanceof Types.ObjectId)) return target;
  const tenant = await tenants.getTenant(target);
  return { issuer: tenant.issuer, clientId: tenant.clientId };
}

/** The client assertion: a JWT signed with the tool key ltijs keeps for this platform. */
async function clientAssertion(issuer: string, clientId: string): Promise<{ assertion: string; tokenUrl: string }> {
  const platform = await lti.getPlatform(issuer, clientId);
  if (!platform) throw new ServiceError(401, `No platform registration for ${issuer} (${clientId})`);
  const [pem, kid, tokenUrl, audience] = await Promise.all([
    platform.platformPrivateKey(),
    platform.platformKid(),
    platform.platformAccessTokenEndpoint(),
    platform.platformAuthorizationServer(),
  ]);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(crypto.randomUUID())
    .sign(crypto.createPrivateKey(pem));
  return { assertion, tokenUrl };
}

async function requestToken(target: PlatformTarget, scopes: string[]): Promise<CachedToken> {
  const { issuer, clientId } = await platformOf(target);
  const { assertion, tokenUrl } = await clientAssertion(issuer, clientId);
  const res = await serviceFetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, scope: scopeString(scopes) }),
  });
  await expectOk(res, 'The token endpoint');
  const parsed = TokenResponse.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new ServiceError(502, 'The token endpoint answered without an access_token');
  const lifetimeMs = (parsed.data.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
  return { token: parsed.data.access_token, renewAt: Date.now() + Math.max(lifetimeMs - RENEW_EARLY_MS, lifetimeMs / 2) };
}

/**
 * An access token for LTI Advantage services (AGS, NRPS) of a platform: client_credentials with a
 * JWT client assertion, cached per (platform, scope set) until shortly before it expires. Concurrent
 * callers share one token request.
 */
export function serviceToken(target: PlatformTarget, scopes: string[]): Promise<string> {
  const key = cacheKey(target, scopes);
  const hit = cache.get(key);
  if (hit && hit.renewAt > Date.now()) return Promise.resolve(hit.token);
  let pending = inFlight.get(key);
  if (!pending) {
    pending = requestToken(target, scopes)
      .then((fresh) => {
        cache.set(key, fresh);
        return fresh.token;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/** Drops a cached token the platform refused (401), so the next call asks for a new one. */
export function forgetServiceToken(target: PlatformTarget, scopes: string[]): void {
  cache.delete(cacheKey(target, scopes));
}
