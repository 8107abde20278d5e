import { createLocalJWKSet, jwtVerify } from 'jose';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Invalid, NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import { Credential, CredentialDoc } from '../model';
import { obUrls, publicJwks, SignatureCheck } from '../presenter';
import { getAchievement } from './achievements';
import { parse } from './common';
import { publishedKeys } from './issuer';

// Reading, verifying and revoking issued credentials.

type Id = Types.ObjectId;

export function credentialsOf(tenantId: TenantId, userId: Id): Promise<CredentialDoc[]> {
  return Credential.find(scoped(tenantId, { userId })).sort({ issuedAt: -1 }).lean<CredentialDoc[]>();
}

export function credentialsForAchievement(tenantId: TenantId, achievementId: Id): Promise<CredentialDoc[]> {
  return Credential.find(scoped(tenantId, { achievementId })).sort({ issuedAt: -1 }).lean<CredentialDoc[]>();
}

export async function getCredential(tenantId: TenantId, id: Id | string): Promise<CredentialDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Credential.findOne(scoped(tenantId, { _id: id })).lean<CredentialDoc>() : null;
  if (!doc) throw new NotFound('That badge');
  return doc;
}

/** A credential by the id in its public URL. */
export async function publicCredential(tenantId: TenantId, publicId: string): Promise<CredentialDoc> {
  const doc = await Credential.findOne(scoped(tenantId, { publicId })).lean<CredentialDoc>();
  if (!doc) throw new NotFound('That badge');
  return doc;
}

export function revokedCredentials(tenantId: TenantId): Promise<CredentialDoc[]> {
  return Credential.find(scoped(tenantId, { revokedAt: { $exists: true } })).sort({ revokedAt: 1 }).lean<CredentialDoc[]>();
}

/** A badge this person holds (not revoked): what grade-back says about it and where it verifies. */
export async function earnedBadge(tenantId: TenantId, achievementId: Id, userId: Id): Promise<{ name: string; verifyUrl: string } | undefined> {
  const credential = await Credential.findOne(scoped(tenantId, { achievementId, userId, revokedAt: { $exists: false } })).lean<CredentialDoc>();
  if (!credential) return undefined;
  const achievement = await getAchievement(tenantId, achievementId);
  return { name: achievement.name, verifyUrl: obUrls(tenantId).credential(credential.publicId) };
}

/**
 * Checks the stored VC-JWT against the tenant's published keys, as any verifier would, and that it dates
 * from the window its key signed in (a retired key signs nothing after its retirement).
 */
export async function checkSignature(c: CredentialDoc): Promise<SignatureCheck> {
  const { keys } = publicJwks(await publishedKeys(c.tenantId));
  try {
    const { payload, protectedHeader } = await jwtVerify(c.ob3Jwt, createLocalJWKSet({ keys }), { algorithms: ['RS256'] });
    const ob3 = c.ob3 as { id: string; issuer: { id: string } };
    if (payload.jti !== ob3.id || payload.iss !== ob3.issuer.id) return { valid: false, detail: 'The signed token does not match this credential.' };
    const key = keys.find((k) => k.kid === protectedHeader.kid)!;
    if (payload.nbf === undefined || payload.nbf < key.nbf || (key.exp !== undefined && payload.nbf > key.exp)) return { valid: false, detail: 'It is dated outside the time its signing key was in use.' };
    return { valid: true, detail: 'Its digital signature matches the issuer’s published key.' };
  } catch (err) {
    return { valid: false, detail: `The signature could not be verified: ${(err as Error).message}` };
  }
}

const RevokeInput = z.object({ reason: z.string().trim().min(1, 'Say why the badge is revoked (the teacher and PD staff see the reason)').max(300, 'Keep the reason under 300 characters') });

export async function revoke(tenantId: TenantId, credentialId: Id, raw: unknown, by: ChangedBy): Promise<CredentialDoc> {
  const { reason } = parse(RevokeInput, raw);
  const revoked = await Credential.findOneAndUpdate(
    scoped(tenantId, { _id: credentialId, revokedAt: { $exists: false } }),
    { $set: { revokedAt: new Date(), revocationReason: reason, revokedBy: by.name } },
    { new: true },
  ).lean<CredentialDoc>();
  if (!revoked) throw new Invalid('That badge is already revoked.');
  const achievement = await getAchievement(tenantId, revoked.achievementId);
  await audit.record(tenantId, { actor: by, action: 'credential.revoked', subject: { kind: 'credential', id: credentialId }, after: { achievement: achievement.name, recipient: revoked.recipientName, reason } });
  await notices.notify(tenantId, {
    userId: revoked.userId,
    kind: 'credential.revoked',
    title: `Badge revoked: ${achievement.name}`,
    body: reason,
    link: '/badges',
    dedupeKey: `credential.revoked:${credentialId}`,
  });
  return revoked;
}

const SharingInput = z.object({ share: z.enum(['name', 'private'], { message: 'Choose whether the verify page shows your name' }) });

/** Whether the public verify page names the holder (their choice, checked by the caller's policy). */
export async function setNameShared(tenantId: TenantId, credentialId: Id, raw: unknown): Promise<boolean> {
  const { share } = parse(SharingInput, raw);
  await Credential.updateOne(scoped(tenantId, { _id: credentialId }), { $set: { nameShared: share === 'name' } });
  return share === 'name';
}
