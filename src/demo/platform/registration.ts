import { randomBytes, randomInt } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SimCore } from './core';
import { serviceError } from './services';
import type { ToolRegistrationRecord } from './types';
import { ALL_SCOPES, Claim } from './vocab';

const REGISTRATION_TOKEN_TTL_MS = 60 * 60 * 1000;

const clientRegistration = z.object({
  application_type: z.literal('web'),
  response_types: z.array(z.string()).refine((v) => v.includes('id_token'), 'must include id_token'),
  grant_types: z
    .array(z.string())
    .refine((v) => v.includes('implicit') && v.includes('client_credentials'), 'must include implicit and client_credentials'),
  initiate_login_uri: z.url(),
  redirect_uris: z.array(z.url()).min(1),
  jwks_uri: z.url(),
  token_endpoint_auth_method: z.literal('private_key_jwt'),
  client_name: z.string().min(1),
  scope: z
    .string()
    .optional()
    .refine((s) => !s || s.split(/\s+/).filter(Boolean).every((x) => ALL_SCOPES.includes(x)), 'contains an unsupported scope'),
  [Claim.toolConfiguration]: z.object({
    domain: z.string().min(1),
    target_link_uri: z.url(),
    messages: z.array(z.object({ type: z.string() })).optional(),
  }),
});

/** Platform side of LTI Dynamic Registration 1.0. */
export class Registrations {
  readonly records: ToolRegistrationRecord[] = [];
  private readonly tokens = new Map<string, number>();

  constructor(private readonly core: SimCore) {}

  /** The URL the platform opens in its registration dialog (the tool's page plus the two query parameters). */
  startUrl(toolRegisterUrl: string): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + REGISTRATION_TOKEN_TTL_MS);
    const url = new URL(toolRegisterUrl);
    url.searchParams.set('openid_configuration', this.core.urls.openidConfiguration);
    url.searchParams.set('registration_token', token);
    return url.toString();
  }

  router(): Router {
    const router = express.Router();
    router.get(this.core.profile.paths.openidConfiguration, (_req, res) => {
      res.json(this.openidConfiguration());
    });
    router.post(this.core.profile.paths.registration, express.json(), (req, res) => this.register(req, res));
    return router;
  }

  private openidConfiguration(): Record<string, unknown> {
    const { core } = this;
    return {
      issuer: core.issuer,
      authorization_endpoint: core.urls.auth,
      token_endpoint: core.urls.token,
      jwks_uri: core.urls.jwks,
      registration_endpoint: core.urls.registration,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public', 'pairwise'],
      scopes_supported: ['openid', ...ALL_SCOPES],
      claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
      [Claim.platformConfiguration]: {
        product_family_code: core.profile.platform.productFamilyCode,
        version: core.profile.platform.version,
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
        variables: core.profile.flavor === 'canvas' ? ['Canvas.user.id', 'Canvas.course.id'] : [],
      },
    };
  }

  /** Registers the tool and makes it the simulator's client, so the next launches go to it. */
  private register(req: Request, res: Response): void {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const expiresAt = token ? this.tokens.get(token) : undefined;
    if (!token || !expiresAt || expiresAt < Date.now()) return serviceError(res, 401, 'Invalid registration token');
    const parsed = clientRegistration.safeParse(req.body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return serviceError(res, this.core.profile.badRegistrationStatus, message);
    }
    this.tokens.delete(token);
    const registration = parsed.data;
    const clientId = this.core.profile.flavor === 'canvas' ? String(10000000000000 + randomInt(1, 999999)) : randomBytes(8).toString('hex');
    const deploymentId = String(this.records.length + 2);
    this.adopt(registration, clientId, deploymentId);
    this.records.push({ clientId, deploymentId, request: req.body as Record<string, unknown> });
    const toolConfiguration = registration[Claim.toolConfiguration];
    res.status(200).json({
      ...(req.body as Record<string, unknown>),
      client_id: clientId,
      [Claim.toolConfiguration]: { ...toolConfiguration, deployment_id: deploymentId },
    });
  }

  private adopt(registration: z.infer<typeof clientRegistration>, clientId: string, deploymentId: string): void {
    this.core.clientId = clientId;
    this.core.deploymentId = deploymentId;
    this.core.tool = {
      loginUrl: registration.initiate_login_uri,
      launchUrl: registration[Claim.toolConfiguration].target_link_uri,
      jwksUrl: registration.jwks_uri,
      redirectUris: registration.redirect_uris,
    };
  }
}
