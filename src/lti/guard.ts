import { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import * as tenants from '../tenants/service';
import { refuseAnonymous, refuseUnknownDeployment } from './pages';

const DEPLOYMENT = 'https://purl.imsglobal.org/spec/lti/claim/deployment_id';

/**
 * Runs before ltijs validates a launch: a launch from a known platform but an unknown deployment, or
 * without a user, is refused before anything (nonce, id_token, session) is stored. The claims are read
 * unverified only to refuse; nothing is accepted until ltijs has checked the signature.
 */
export async function launchGuard(req: Request, res: Response, next: NextFunction): Promise<void> {
  const idToken = req.method === 'POST' && req.path === '/' ? (req.body?.id_token as string | undefined) : undefined;
  if (!idToken) return next();
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(idToken);
  } catch {
    return next(); // ltijs answers malformed tokens
  }
  try {
    const issuer = String(claims.iss ?? '');
    const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? '')];
    for (const clientId of auds) {
      const tenant = await tenants.findTenant(issuer, clientId);
      if (!tenant) continue;
      if (!claims.sub) return refuseAnonymous(res);
      const deploymentId = String(claims[DEPLOYMENT] ?? '');
      if (!tenants.hasDeployment(tenant, deploymentId)) return refuseUnknownDeployment(res, issuer, clientId, deploymentId);
      break;
    }
    next();
  } catch (err) {
    next(err);
  }
}
