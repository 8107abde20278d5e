// Platform registry (issuer, client_id, deployment_id): https://www.imsglobal.org/spec/lti/v1p3#lti-deployment-id-claim
import { Provider as lti } from 'ltijs';
import type { Platform } from 'ltijs';
import * as audit from '../../audit/service';
import * as tenants from '../../tenants/service';
import type { PlatformFamily } from '../../kernel/actor';
import type { TenantDoc } from '../../tenants/service';

export interface PlatformRegistration {
  issuer: string;
  clientId: string;
  name: string;
  family: PlatformFamily;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Audience of our client-assertion JWTs; defaults to the token URL (Canvas and Moodle both expect it). */
  authorizationServer?: string;
  deploymentIds: string[];
  source: tenants.TenantRegistration['source'];
}

/** The (issuer, client_id) is registered already and the request may not change it. */
export class PlatformAlreadyRegistered extends Error {
  constructor(
    readonly issuer: string,
    readonly clientId: string,
    readonly changes: string[] = [],
  ) {
    super(`The platform ${issuer} with client id ${clientId} is already registered${changes.length ? ` with a different ${changes.join(', ')}` : ''}.`);
  }
}

/** The endpoints and keys that decide who can sign launches for a tenant. */
interface Endpoints {
  'auth URL': string;
  'token URL': string;
  'authorization server': string;
  'keyset URL': string;
}

function endpointsOf(p: PlatformRegistration): Endpoints {
  return { 'auth URL': p.authUrl, 'token URL': p.tokenUrl, 'authorization server': p.authorizationServer ?? p.tokenUrl, 'keyset URL': p.jwksUrl };
}

async function storedEndpoints(platform: Platform): Promise<Endpoints> {
  const json = (await platform.platformJSON()) as {
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer: string;
    authConfig: { method: string; key: string };
  };
  return {
    'auth URL': json.authenticationEndpoint,
    'token URL': json.accesstokenEndpoint,
    'authorization server': json.authorizationServer,
    'keyset URL': json.authConfig.method === 'JWK_SET' ? json.authConfig.key : `${json.authConfig.method} key`,
  };
}

function changedFields(before: Endpoints, after: Endpoints): string[] {
  return (Object.keys(before) as (keyof Endpoints)[]).filter((k) => before[k] !== after[k]);
}

/** The platform's login pages live on its auth endpoint's host, which may frame the tool too. */
function asTenant(p: PlatformRegistration): tenants.TenantRegistration {
  return { ...p, framingUrls: [p.authUrl] };
}

async function saveInLtijs(p: PlatformRegistration): Promise<void> {
  const platform = await lti.registerPlatform({
    url: p.issuer,
    clientId: p.clientId,
    name: p.name,
    authenticationEndpoint: p.authUrl,
    accesstokenEndpoint: p.tokenUrl,
    authorizationServer: p.authorizationServer ?? p.tokenUrl,
    authConfig: { method: 'JWK_SET', key: p.jwksUrl },
  });
  await platform.platformActive(true);
}

export interface RegisterOptions {
  /**
   * What to do when the platform exists with other endpoints: refuse (the default), or replace them —
   * a tool-admin action (`platform:add --update`, the demo's own simulators), recorded in the audit log.
   */
  whenChanged?: 'refuse' | 'replace';
  /** Who replaces endpoints, for the audit log. */
  by?: string;
}

/**
 * Registers a platform with ltijs (keys, endpoints) and as a tenant. Repeating it with the same endpoints
 * only adds deployments; ltijs' own registerPlatform would silently overwrite an existing platform, so it is
 * only called for a new platform or an explicit, audited replacement.
 */
export async function registerPlatform(p: PlatformRegistration, opts: RegisterOptions = {}): Promise<TenantDoc> {
  const existing = await lti.getPlatform(p.issuer, p.clientId);
  if (!existing) {
    await saveInLtijs(p);
    return tenants.upsertTenant(asTenant(p));
  }
  const before = await storedEndpoints(existing);
  const changes = changedFields(before, endpointsOf(p));
  if (changes.length && opts.whenChanged !== 'replace') throw new PlatformAlreadyRegistered(p.issuer, p.clientId, changes);
  if (changes.length) await saveInLtijs(p);
  const tenant = await tenants.upsertTenant(asTenant(p));
  if (changes.length) {
    await audit.record(tenant._id, {
      system: opts.by ?? 'tool admin',
      action: 'platform.endpoints-replaced',
      subject: { kind: 'tenant', id: tenant._id },
      before: { ...before },
      after: { ...endpointsOf(p) },
    });
  }
  return tenant;
}

/**
 * Dynamic registration only ever creates: an (issuer, client_id) that exists — in ltijs or as a tenant —
 * is refused whatever endpoints it brings (LTI-FACTS: a registration that overwrites keys is a takeover).
 * The tenant is inserted first, so its unique index decides between two racing registrations.
 */
export async function registerNewPlatform(p: PlatformRegistration): Promise<TenantDoc> {
  if (await lti.getPlatform(p.issuer, p.clientId)) throw new PlatformAlreadyRegistered(p.issuer, p.clientId);
  const tenant = await tenants.createTenant(asTenant(p));
  if (!tenant) throw new PlatformAlreadyRegistered(p.issuer, p.clientId);
  try {
    await saveInLtijs(p);
  } catch (err) {
    await tenants.removeNewTenant(tenant._id);
    throw err;
  }
  return tenant;
}
