// LTI Dynamic Registration 1.0: https://www.imsglobal.org/spec/lti-dr/v1p0#step-3-client-registration (and the Canvas developer-key JSON)
import { Router } from 'express';
import { z } from 'zod';
import { config } from '../../config';
import { logger, safeUrl } from '../../log';
import type { PlatformFamily } from '../../kernel/actor';
import { HISTORY_CUSTOM, platformFamily } from '../message/claims';
import { checkUrl, guardedFetch, OutboundRefused, OutboundRequest, outboundPolicy } from '../../kernel/outbound';
import { LTI_SCOPES } from '../message/scopes';

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

const RegistrationResponse = z.object({
  client_id: z.string().min(1).max(255),
  [TOOL_CONFIG]: z.object({ deployment_id: z.string().optional() }).partial().optional(),
});

function toolUrl(path: string): string {
  return `${config().publicUrl}${path}`;
}

/** Custom variables that teach us LMS-native ids, so completions from Canvas APIs can be matched. */
const CANVAS_CUSTOM = { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id', ...HISTORY_CUSTOM };

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
      custom_parameters: canvas ? CANVAS_CUSTOM : HISTORY_CUSTOM,
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        { type: 'LtiResourceLinkRequest', label: config().lti.toolName, ...(canvas ? { placements: ['course_navigation', 'account_navigation'] } : {}) },
        { type: 'LtiDeepLinkingRequest', label: `${config().lti.toolName} placement`, ...(canvas ? { placements: ['link_selection', 'assignment_selection'] } : {}) },
      ],
      ...(canvas ? { 'https://canvas.instructure.com/lti/privacy_level': 'public' } : {}),
    },
  };
}

/** A registration step that did not work, in words for the LMS admin (never a remote body). */
export class RegistrationFailed extends Error {}

/**
 * LTI Dynamic Registration 1.0 §3.5.1 (https://www.imsglobal.org/spec/lti-dr/v1p0#issuer-and-openid-configuration-url-match):
 * the issuer's domain must match the domain of the `openid_configuration` URL.
 */
export function issuerMatchesConfigurationHost(issuer: string, openidConfigurationUrl: string): boolean {
  return new URL(issuer).hostname.toLowerCase() === new URL(openidConfigurationUrl).hostname.toLowerCase();
}

async function fetchJson(what: string, url: string, req: OutboundRequest): Promise<{ status: number; body: unknown; text: string }> {
  let res;
  try {
    res = await guardedFetch(url, { ...req, headers: { accept: 'application/json', ...req.headers } });
  } catch (err) {
    logger().warn({ url: safeUrl(url), reason: (err as Error).message }, `${what}: request not completed`);
    if (err instanceof OutboundRefused) throw new RegistrationFailed(`PD Pathways does not send requests to that address (${err.message}).`);
    throw new RegistrationFailed(`The platform could not be reached (${(err as Error).message}).`);
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text: res.text };
}

export interface PlatformConfiguration {
  configurationUrl: string;
  issuer: string;
  family: PlatformFamily;
  product: string;
  version?: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  registrationUrl: string;
  authorizationServer?: string;
}

/** Reads and checks the platform's OpenID configuration (§3.4–3.5); changes nothing. */
export async function readPlatformConfiguration(openidConfigurationUrl: string): Promise<PlatformConfiguration> {
  const res = await fetchJson('openid configuration', openidConfigurationUrl, {});
  const parsed = OpenIdConfiguration.safeParse(res.body);
  if (res.status !== 200 || !parsed.success) {
    logger().warn({ status: res.status, body: res.text.slice(0, 2000) }, 'openid configuration unreadable');
    throw new RegistrationFailed(`The platform’s OpenID configuration could not be read (HTTP ${res.status}).`);
  }
  const c = parsed.data;
  if (!issuerMatchesConfigurationHost(c.issuer, openidConfigurationUrl)) {
    throw new RegistrationFailed(`The issuer ${c.issuer} is not on the host of its configuration (${new URL(openidConfigurationUrl).hostname}), so it was not trusted.`);
  }
  const policy = outboundPolicy();
  for (const url of [c.issuer, c.authorization_endpoint, c.token_endpoint, c.jwks_uri, c.registration_endpoint]) {
    try {
      checkUrl(url, policy);
    } catch (err) {
      throw new RegistrationFailed(`The platform configuration names an endpoint PD Pathways will not use: ${url} (${(err as Error).message}).`);
    }
  }
  const code = c[PLATFORM_CONFIG]?.product_family_code;
  return {
    configurationUrl: openidConfigurationUrl,
    issuer: c.issuer,
    family: platformFamily(code),
    product: code ?? 'unknown',
    version: c[PLATFORM_CONFIG]?.version,
    authUrl: c.authorization_endpoint,
    tokenUrl: c.token_endpoint,
    jwksUrl: c.jwks_uri,
    registrationUrl: c.registration_endpoint,
    authorizationServer: c.authorization_server,
  };
}

/** POSTs our client registration (§3.6) and returns the client id and deployment the platform issued. */
export async function registerTool(platform: PlatformConfiguration, token: string): Promise<{ clientId: string; deploymentId?: string }> {
  const res = await fetchJson('dynamic registration', platform.registrationUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(toolRegistration(platform.family)),
  });
  if (res.status < 200 || res.status >= 300) {
    // Canvas answers 422 and Moodle 401 on registrations they reject; their body says why (logged, never shown).
    logger().warn({ status: res.status, body: res.text.slice(0, 2000), issuer: platform.issuer }, 'dynamic registration refused by platform');
    throw new RegistrationFailed(`The platform refused the registration (HTTP ${res.status}). The details are in PD Pathways’ log.`);
  }
  const parsed = RegistrationResponse.safeParse(res.body);
  if (!parsed.success) throw new RegistrationFailed('The platform answered without a usable client_id.');
  return { clientId: parsed.data.client_id, deploymentId: parsed.data[TOOL_CONFIG]?.deployment_id };
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
