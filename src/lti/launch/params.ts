// Third-party initiated login parameters: https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login
import { NextFunction, Request, Response } from 'express';
import { renderRefusal } from './pages';

/**
 * OIDC and session parameters are single strings. A repeated parameter (an array) or a qs object such
 * as `iss[$ne]=x` would reach ltijs's platform lookup as a database operator, so it is refused here,
 * before ltijs or our own login code sees it.
 */
const SINGLE_STRING = [
  'iss',
  'client_id',
  'login_hint',
  'lti_message_hint',
  'lti_deployment_id',
  'target_link_uri',
  'lti_storage_target',
  'state',
  'id_token',
  'ltik',
  'lti_storage_check',
] as const;

function offending(source: unknown): string | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const values = source as Record<string, unknown>;
  return SINGLE_STRING.find((name) => values[name] !== undefined && typeof values[name] !== 'string');
}

export function requireStringParams(req: Request, res: Response, next: NextFunction): void {
  const name = offending(req.query) ?? offending(req.body);
  if (!name) return next();
  renderRefusal(res, {
    status: 400,
    title: 'Bad launch request',
    detail: `The parameter "${name}" must be sent once, as plain text. The request was refused and nothing was saved.`,
    code: 'INVALID_PARAMETER',
  });
}
