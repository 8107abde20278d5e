import { Provider as lti } from 'ltijs';
import * as tenants from '../tenants/service';
import type { PlatformFamily, TenantDoc } from '../tenants/service';

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

/** Registers a platform with ltijs (keys, endpoints) and as a PD Pathways tenant; safe to repeat. */
export async function registerPlatform(p: PlatformRegistration): Promise<TenantDoc> {
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
  return tenants.upsertTenant({
    issuer: p.issuer,
    clientId: p.clientId,
    name: p.name,
    family: p.family,
    deploymentIds: p.deploymentIds,
    source: p.source,
  });
}
