import crypto from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { config } from '../../config';
import { scoped, TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import { seal } from '../../secrets';
import * as tenants from '../../tenants/service';
import { IssuerKey, IssuerKeyDoc, IssuerProfile, IssuerProfileDoc } from '../model';
import { IssuerFacts, obUrls } from '../presenter';
import { isIssuerUrl } from '../rules';
import { parse } from './common';
import { isDuplicateKey } from '../../db/writeErrors';

// The district as badge issuer: its public profile and its signing keys.

const IssuerInput = z.object({
  name: z.string().trim().min(1, 'Enter the name badges show as issuer').max(120, 'Keep the name under 120 characters'),
  url: z.string().trim().url('Enter the web address of your district, starting with https://').refine(isIssuerUrl, 'The issuer address must start with https://'),
  email: z.string().trim().email('Enter a contact email address'),
  linkedInId: z
    .string()
    .trim()
    .regex(/^\d{0,20}$/, 'Enter only the number of your LinkedIn company page (as in linkedin.com/company/12345/admin), or leave it empty')
    .default(''),
});

export async function issuerProfile(tenantId: TenantId): Promise<IssuerFacts> {
  const existing = await IssuerProfile.findOne(scoped(tenantId, { _id: tenantId })).lean<IssuerProfileDoc>();
  const profile = existing ?? (await createIssuerProfile(tenantId));
  return { tenantId, name: profile.name, url: profile.url, email: profile.email, linkedInId: profile.linkedInId || undefined };
}

/** Defaults until PD staff set their own: the platform registration's name and the tool's address. */
async function createIssuerProfile(tenantId: TenantId): Promise<IssuerProfileDoc> {
  const tenant = await tenants.getTenant(tenantId);
  const { publicUrl } = config();
  const defaults = { name: tenant.name, url: publicUrl, email: `badges@${new URL(publicUrl).hostname}` };
  return (await IssuerProfile.findOneAndUpdate(scoped(tenantId, { _id: tenantId }), { $setOnInsert: defaults }, { upsert: true, new: true }).lean<IssuerProfileDoc>())!;
}

export async function updateIssuerProfile(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<void> {
  const input = parse(IssuerInput, raw);
  const before = await issuerProfile(tenantId);
  const { linkedInId, ...rest } = input;
  await IssuerProfile.updateOne(scoped(tenantId, { _id: tenantId }), linkedInId ? { $set: { ...rest, linkedInId } } : { $set: rest, $unset: { linkedInId: 1 } });
  await audit.record(tenantId, { actor: by, action: 'issuer.updated', subject: { kind: 'issuer', id: tenantId }, before: { name: before.name, email: before.email }, after: { name: input.name, email: input.email } });
}

async function createIssuerKey(tenantId: TenantId): Promise<IssuerKeyDoc> {
  const keyId = crypto.randomUUID();
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: obUrls(tenantId).key(keyId), alg: 'RS256', use: 'sig' };
  const created = await IssuerKey.create({ tenantId, keyId, publicJwk, sealedPrivateKey: seal(await exportPKCS8(privateKey)) });
  return created.toObject() as unknown as IssuerKeyDoc;
}

/** The key new credentials are signed with, created on first use (one per tenant: a unique partial index). */
export async function activeIssuerKey(tenantId: TenantId): Promise<IssuerKeyDoc> {
  const found = await IssuerKey.findOne(scoped(tenantId, { status: 'active' })).lean<IssuerKeyDoc>();
  if (found) return found;
  try {
    return await createIssuerKey(tenantId);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return (await IssuerKey.findOne(scoped(tenantId, { status: 'active' })).lean<IssuerKeyDoc>())!;
  }
}

const PUBLISHED = { status: { $in: ['active', 'retired'] } };

/** Every key that signed credentials of this tenant and may still verify them: the active one first. */
export async function publishedKeys(tenantId: TenantId): Promise<IssuerKeyDoc[]> {
  await activeIssuerKey(tenantId);
  return IssuerKey.find(scoped(tenantId, PUBLISHED)).sort({ status: 1, createdAt: -1 }).lean<IssuerKeyDoc[]>();
}

/** Every key, compromised ones too: what PD staff see on the issuer page. */
export async function allIssuerKeys(tenantId: TenantId): Promise<IssuerKeyDoc[]> {
  await activeIssuerKey(tenantId);
  return IssuerKey.find(scoped(tenantId)).sort({ status: 1, createdAt: -1 }).lean<IssuerKeyDoc[]>();
}

export async function publishedKey(tenantId: TenantId, keyId: string): Promise<IssuerKeyDoc> {
  const key = await IssuerKey.findOne(scoped(tenantId, { keyId, ...PUBLISHED })).lean<IssuerKeyDoc>();
  if (!key) throw new NotFound('That key');
  return key;
}

const RotateInput = z.object({ why: z.enum(['routine', 'compromised'], { message: 'Say why the key is rotated' }).default('routine') });

/**
 * A new signing key from now on. Routinely, the old one stays published with the window it signed in, so
 * earlier badges still verify; a compromised one is withdrawn, so nothing it signed verifies any more.
 */
export async function rotateIssuerKey(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<{ key: IssuerKeyDoc; compromised: boolean }> {
  const { why } = parse(RotateInput, raw);
  const old = await activeIssuerKey(tenantId);
  await IssuerKey.updateOne(scoped(tenantId, { _id: old._id, status: 'active' }), { $set: { status: why === 'compromised' ? 'compromised' : 'retired', retiredAt: new Date() } });
  const fresh = await activeIssuerKey(tenantId);
  await audit.record(tenantId, { actor: by, action: 'issuer.key-rotated', subject: { kind: 'issuer', id: tenantId }, before: { keyId: old.keyId }, after: { keyId: fresh.keyId, why } });
  return { key: fresh, compromised: why === 'compromised' };
}

