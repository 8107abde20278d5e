import { Request, Response, Router } from 'express';
import { z } from 'zod';
import { config } from '../config';
import { logger } from '../log';
import { platformFamily } from './claims';
import { renderRefusal } from './pages';
import { registerPlatform } from './platforms';
import { LTI_SCOPES } from './scopes';

const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

const OpenIdConfiguration = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  registration_endpoint: z.string().url(),
  authorization_server: z.string().optional(),
  [PLATFORM_CONFIG]: z.object({ product_family_code: z.string(), version: z.string().optional() }).partial().optional(),
});
type OpenIdConfiguration = z.infer<typeof OpenIdConfiguration>;

const RegistrationResponse = z.object({
  client_id: z.string().min(1),
  [TOOL_CONFIG]: z.object({ deployment_id: z.string().optional() }).partial().optional(),
});

const Query = z.object({ openid_configuration: z.string().url(), registration_token: z.string().optional() });

function toolUrl(path: string): string {
  return `${config().publicUrl}${path}`;
}

/** Custom variables that teach us LMS-native ids, so completions from Canvas APIs can be matched. */
const CANVAS_CUSTOM = { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id' };

/** The client registration we POST (LTI Dynamic Registration 1.0 §3.1, with Canvas's extensions). */
export function toolRegistration(family: string): Record<string, unknown> {
  const launch = toolUrl('/');
  const canvas = family === 'canvas';
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: toolUrl('/login'),
    redirect_uris: [launch],
    client_name: config().lti.toolName,
    jwks_uri: toolUrl('/keys'),
    logo_uri: toolUrl('/public/img/logo.svg'),
    token_endpoint_auth_method: 'private_key_jwt',
    scope: LTI_SCOPES.all.join(' '),
    [TOOL_CONFIG]: {
      domain: new URL(config().publicUrl).host,
      description: config().lti.toolDescription,
      target_link_uri: launch,
      custom_parameters: canvas ? CANVAS_CUSTOM : {},
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        { type: 'LtiResourceLinkRequest', label: config().lti.toolName, ...(canvas ? { placements: ['course_navigation', 'account_navigation'] } : {}) },
        { type: 'LtiDeepLinkingRequest', label: `${config().lti.toolName} placement`, ...(canvas ? { placements: ['link_selection', 'assignment_selection'] } : {}) },
      ],
      ...(canvas ? { 'https://canvas.instructure.com/lti/privacy_level': 'public' } : {}),
    },
  };
}

async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

class RegistrationFailed extends Error {}

async function register(platform: OpenIdConfiguration, token: string | undefined): Promise<z.infer<typeof RegistrationResponse>> {
  const family = platform[PLATFORM_CONFIG]?.product_family_code ?? 'other';
  const res = await fetchJson(platform.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(toolRegistration(family)),
  });
  if (res.status >= 300) {
    // Canvas answers 422 and Moodle 401 on registrations they reject; their body says why.
    logger().warn({ status: res.status, body: res.text.slice(0, 2000), issuer: platform.issuer }, 'dynamic registration refused by platform');
    throw new RegistrationFailed(`The platform refused the registration (HTTP ${res.status}): ${res.text.slice(0, 300)}`);
  }
  const parsed = RegistrationResponse.safeParse(res.body);
  if (!parsed.success) throw new RegistrationFailed('The platform answered without a client_id.');
  return parsed.data;
}

/** GET /register?openid_configuration=…&registration_token=… (Moodle 4.1+, Canvas). */
export async function handleDynamicRegistration(req: Request, res: Response): Promise<void> {
  const query = Query.safeParse(req.query);
  if (!query.success) {
    return renderRefusal(res, {
      status: 400,
      title: 'Registration link incomplete',
      detail: 'Dynamic registration must be started from your LMS: paste this URL into Canvas (Developer keys → LTI Registration) or Moodle (Manage tools → Tool URL).',
    });
  }
  try {
    const conf = await fetchJson(query.data.openid_configuration, { headers: { accept: 'application/json' } });
    const platform = OpenIdConfiguration.safeParse(conf.body);
    if (conf.status !== 200 || !platform.success) throw new RegistrationFailed('The platform’s OpenID configuration could not be read.');
    const registered = await register(platform.data, query.data.registration_token);
    const family = platformFamily(platform.data[PLATFORM_CONFIG]?.product_family_code);
    const deploymentId = registered[TOOL_CONFIG]?.deployment_id;
    const tenant = await registerPlatform({
      issuer: platform.data.issuer,
      clientId: registered.client_id,
      name: `${family === 'other' ? 'LMS' : family[0].toUpperCase() + family.slice(1)} at ${new URL(platform.data.issuer).host}`,
      family,
      authUrl: platform.data.authorization_endpoint,
      tokenUrl: platform.data.token_endpoint,
      jwksUrl: platform.data.jwks_uri,
      authorizationServer: platform.data.authorization_server,
      deploymentIds: deploymentId ? [deploymentId] : [],
      source: 'dynamic-registration',
    });
    logger().info({ issuer: tenant.issuer, clientId: tenant.clientId, deploymentId }, 'platform registered dynamically');
    res.render('lti/registered', { tenant, deploymentId, family });
  } catch (err) {
    if (!(err instanceof RegistrationFailed)) logger().error({ err }, 'dynamic registration failed');
    renderRefusal(res, {
      status: 502,
      title: 'Registration did not complete',
      detail: err instanceof RegistrationFailed ? err.message : 'The platform could not be reached or answered unexpectedly.',
      adminHint: 'Check that the LMS can reach this tool over HTTPS (Moodle blocks localhost and non-standard ports unless allowed).',
    });
  }
}

/** Canvas developer-key JSON (Developer Keys → + LTI Key → Method: Paste JSON / Enter URL). */
export function canvasConfigRouter(): Router {
  const router = Router();
  router.get('/lti/canvas.json', (_req, res) => {
    const name = config().lti.toolName;
    const launch = toolUrl('/');
    res.json({
      title: name,
      description: config().lti.toolDescription,
      oidc_initiation_url: toolUrl('/login'),
      target_link_uri: launch,
      public_jwk_url: toolUrl('/keys'),
      scopes: LTI_SCOPES.all,
      custom_fields: CANVAS_CUSTOM,
      extensions: [
        {
          platform: 'canvas.instructure.com',
          privacy_level: 'public',
          domain: new URL(config().publicUrl).host,
          settings: {
            text: name,
            placements: [
              { placement: 'course_navigation', message_type: 'LtiResourceLinkRequest', target_link_uri: launch, text: name },
              { placement: 'account_navigation', message_type: 'LtiResourceLinkRequest', target_link_uri: launch, text: `${name} (PD office)` },
              { placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: launch, text: name },
              { placement: 'assignment_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: launch, text: name },
            ],
          },
        },
      ],
    });
  });
  return router;
}
