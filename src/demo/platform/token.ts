import express, { type Request, type Router } from 'express';
import { errors as joseErrors, type JWTPayload } from 'jose';
import { TOKEN_LIFETIME_SECONDS } from './accessTokens';
import type { SimCore } from './core';
import { verifyWithRemoteJwks } from './keys';
import { ALL_SCOPES, JWT_BEARER } from './vocab';

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

export function tokenRouter(core: SimCore): Router {
  const router = express.Router();
  router.post(core.profile.paths.token, core.faults.middleware(), express.urlencoded({ extended: false }), (req, res) => {
    grant(core, req.body as Record<string, unknown>).then(
      (body) => {
        record(core, req, 200);
        res.set('Cache-Control', 'no-store').json(body);
      },
      (err: unknown) => {
        const error = err instanceof OAuthError ? err : new OAuthError(500, 'server_error', String(err));
        record(core, req, error.status);
        res.status(error.status).set('Cache-Control', 'no-store').json({ error: error.code, error_description: error.message });
      },
    );
  });
  return router;
}

function record(core: SimCore, req: Request, status: number): void {
  const scope = typeof req.body?.scope === 'string' ? (req.body.scope as string) : '';
  core.tokenRequests.push({ scope, at: new Date(), status });
}

async function grant(core: SimCore, form: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  }
  if (form.client_assertion_type !== JWT_BEARER) {
    throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
  }
  if (typeof form.client_assertion !== 'string' || !form.client_assertion) {
    throw new OAuthError(400, 'invalid_request', 'client_assertion is missing');
  }
  const claims = await verifyAssertion(core, form.client_assertion);
  checkAssertionClaims(core, claims);
  const scopes = grantedScopes(core, typeof form.scope === 'string' ? form.scope : '');
  const scope = scopes.join(' ');
  return { access_token: core.tokens.issue(scopes), token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope };
}

async function verifyAssertion(core: SimCore, assertion: string): Promise<JWTPayload> {
  try {
    return (await verifyWithRemoteJwks(assertion, core.tool.jwksUrl)).payload;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new OAuthError(400, 'invalid_grant', 'client_assertion has expired');
    throw new OAuthError(401, 'invalid_client', `client_assertion not verified: ${(err as Error).message}`);
  }
}

function checkAssertionClaims(core: SimCore, claims: JWTPayload): void {
  if (claims.iss !== core.clientId || claims.sub !== core.clientId) {
    throw new OAuthError(401, 'invalid_client', 'iss and sub must both be the client_id');
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => aud === core.urls.token || aud === core.issuer)) {
    throw new OAuthError(400, 'invalid_grant', `aud must be ${core.urls.token}`);
  }
  if (typeof claims.exp !== 'number') throw new OAuthError(400, 'invalid_grant', 'exp is required');
  if (typeof claims.jti !== 'string' || !claims.jti) throw new OAuthError(400, 'invalid_grant', 'jti is required');
  if (!core.tokens.useJti(claims.jti, claims.exp)) {
    throw new OAuthError(400, 'invalid_grant', 'jti was already used');
  }
}

function grantedScopes(core: SimCore, requested: string): string[] {
  const scopes = requested.split(/\s+/).filter(Boolean);
  const known = scopes.filter((s) => ALL_SCOPES.includes(s));
  if (core.profile.scopePolicy === 'all-or-nothing' && known.length < scopes.length) {
    const unknown = scopes.filter((s) => !known.includes(s));
    throw new OAuthError(400, 'invalid_scope', `scopes not allowed: ${unknown.join(' ')}`);
  }
  if (known.length === 0) throw new OAuthError(400, 'invalid_scope', 'no allowed scope requested');
  return [...new Set(known)];
}
