import express, { type Request, type Response, type Router } from 'express';
import { idTokenClaims, messageTypeOf, resourceLinkFor, targetLinkUri } from './claims';
import type { SimCore } from './core';
import { escapeHtml, sendErrorPage, sendPage } from './html';
import type { LaunchSpec } from './types';

const AUTOSUBMIT_JS = "document.getElementById('lti-launch').submit();\n";

/** Signs the id_token for `spec`, applying its tamper instructions. */
export async function signIdToken(core: SimCore, spec: LaunchSpec, nonce: string): Promise<string> {
  const tamper = spec.tamper ?? {};
  const iat = Math.floor(Date.now() / 1000) + (tamper.iatOffsetSeconds ?? 0);
  const lifetime = tamper.expiresInSeconds ?? core.profile.idTokenLifetimeSeconds;
  const claims = { ...idTokenClaims(core, spec, nonce, iat, lifetime), ...tamper.claims };
  for (const name of tamper.removeClaims ?? []) delete claims[name];
  return core.keys.sign(claims, { signWith: tamper.signWith, kid: tamper.kid });
}

/** Third-party login initiation parameters; stores the spec behind a fresh `lti_message_hint`. */
export function loginInitiationParams(core: SimCore, spec: LaunchSpec): Record<string, string> {
  core.directory.user(spec.user);
  if (spec.course) core.directory.course(spec.course);
  const link = messageTypeOf(spec) === 'LtiResourceLinkRequest' ? resourceLinkFor(core, spec) : undefined;
  return {
    iss: core.issuer,
    login_hint: spec.user,
    target_link_uri: targetLinkUri(core.tool, spec, link),
    lti_message_hint: core.launches.create(spec),
    client_id: core.clientId,
    lti_deployment_id: core.deploymentId,
    ...core.profile.loginExtras,
  };
}

export function oidcRouter(core: SimCore): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false });
  router.get(core.profile.paths.auth, (req, res, next) => authorize(core, req, res).catch(next));
  router.post(core.profile.paths.auth, form, (req, res, next) => authorize(core, req, res).catch(next));
  router.get(core.profile.paths.jwks, (_req, res) => {
    res.json(core.keys.jwks());
  });
  router.get('/lti/autosubmit.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'public, max-age=300').send(AUTOSUBMIT_JS);
  });
  router.get(core.profile.paths.launchReturn, (req, res) => {
    const course = core.directory.findCourse(String(req.params.courseId ?? req.query.course ?? ''));
    const where = course ? escapeHtml(course.title) : 'the platform';
    sendPage(res, 200, 'Back in the course', `<h1>Back in ${where}</h1>`);
  });
  return router;
}

async function authorize(core: SimCore, req: Request, res: Response): Promise<void> {
  const params = { ...req.query, ...(req.body as Record<string, unknown> | undefined) };
  const text = (name: string): string => (typeof params[name] === 'string' ? (params[name] as string) : '');
  const problem = authRequestProblem(core, text);
  if (problem) return sendErrorPage(res, 400, problem);

  const lookup = core.launches.take(text('lti_message_hint'));
  if (!lookup.ok) return sendErrorPage(res, 400, lookup.reason);
  if (text('login_hint') !== lookup.spec.user) return sendErrorPage(res, 400, 'login_hint does not match the launch');

  const idToken = await signIdToken(core, lookup.spec, text('nonce'));
  sendLaunchForm(core, res, text('redirect_uri'), idToken, text('state'));
}

function authRequestProblem(core: SimCore, text: (name: string) => string): string | undefined {
  const redirectUris = [core.tool.launchUrl, core.tool.deepLinkUrl, ...(core.tool.redirectUris ?? [])];
  if (!text('scope').split(' ').includes('openid')) return 'scope must include openid';
  if (text('response_type') !== 'id_token') return 'response_type must be id_token';
  if (text('response_mode') !== 'form_post') return 'response_mode must be form_post';
  if (text('prompt') !== 'none') return 'prompt must be none';
  if (text('client_id') !== core.clientId) return 'client_id is not registered';
  if (!redirectUris.includes(text('redirect_uri'))) return 'redirect_uri is not registered for this tool';
  if (!text('login_hint')) return 'login_hint is missing';
  if (!text('nonce')) return 'nonce is missing';
  if (!text('state')) return 'state is missing';
  return undefined;
}

/** The form the browser posts to the tool; submitted by an external script (tools forbid inline scripts). */
function sendLaunchForm(core: SimCore, res: Response, redirectUri: string, idToken: string, state: string): void {
  sendPage(
    res,
    200,
    'Launching the tool',
    `<form id="lti-launch" method="post" action="${escapeHtml(redirectUri)}">` +
      `<input type="hidden" name="id_token" value="${escapeHtml(idToken)}">` +
      `<input type="hidden" name="state" value="${escapeHtml(state)}">` +
      '<p>Opening the tool…</p><button type="submit">Continue</button></form>' +
      `<script src="${escapeHtml(core.urls.autosubmitScript)}"></script>`,
  );
}
