import crypto from 'node:crypto';
import { JWTPayload, SignJWT } from 'jose';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { emit } from '../../events';
import { objectId } from '../../kernel/validation';
import * as outbox from '../../outbox/service';
import * as plans from '../../plans/service';
import { unseal } from '../../secrets';
import * as users from '../../users/service';
import type { UserDoc } from '../../users/service';
import { isoDate } from '../../web/format';
import { AchievementDoc, Credential, CredentialDoc, IssuerKeyDoc } from '../model';
import { Evidence, jwtClaims, ob3Achievement, ob3Credential, obUrls, Recipient } from '../presenter';
import { competenciesOf, getAchievement } from './achievements';
import { parse } from './common';
import { isDuplicateKey } from '../../db/writeErrors';
import { activeIssuerKey, issuerProfile } from './issuer';
import { secureCredential } from './proofs';

// Issuing: a signed credential once per (achievement, person), requested through the outbox.

type Id = Types.ObjectId;

const AwardSource = z.object({
  kind: z.enum(['goal', 'activity', 'manual']),
  planId: objectId.optional(),
  goalId: objectId.optional(),
  pathwayId: objectId.optional(),
  activityId: objectId.optional(),
});
const AwardRequest = z.object({ achievementId: objectId, userId: objectId, source: AwardSource });
export type AwardRequest = z.infer<typeof AwardRequest>;

/**
 * A fresh subject id (the credential's `sub`) and salt for every credential, so two badges of one person
 * cannot be linked by their ids or hashes; never their LMS id.
 */
function recipientOf(user: UserDoc): Recipient {
  const salt = crypto.randomBytes(16).toString('hex');
  const email = user.aliases?.email?.toLowerCase();
  const emailHash = email ? `sha256$${crypto.createHash('sha256').update(email + salt).digest('hex')}` : undefined;
  return { subjectId: `urn:uuid:${crypto.randomUUID()}`, salt, emailHash };
}

/** What the teacher did, in words that may be public: catalog activity titles and dates, never reflections. */
async function evidenceFor(tenantId: TenantId, userId: Id, source: AwardRequest['source']): Promise<Evidence[]> {
  if (source.kind === 'activity' && source.activityId) {
    const activity = await catalog.getActivity(tenantId, source.activityId).catch(() => undefined);
    return activity ? [{ name: activity.title, narrative: `Completed ${activity.title}${activity.provider ? ` (${activity.provider})` : ''}.` }] : [];
  }
  if (source.kind === 'goal' && source.goalId) {
    const found = await plans.goalById(tenantId, userId, source.goalId);
    const done = found?.goal.activities.filter((a) => a.status === 'done') ?? [];
    if (!done.length) return [];
    const list = done.map((a) => `${a.title}${a.completedAt ? ` (${isoDate(a.completedAt)})` : ''}`).join('; ');
    return [{ name: found?.goal.origin?.pathway?.title ? `Pathway: ${found.goal.origin.pathway.title}` : 'PD plan goal', narrative: `Completed in a professional-development plan: ${list}.` }];
  }
  return [];
}

async function sign(tenantId: TenantId, claims: ReturnType<typeof jwtClaims>, key: IssuerKeyDoc): Promise<string> {
  return new SignJWT(claims as unknown as JWTPayload)
    .setProtectedHeader({ alg: 'RS256', kid: obUrls(tenantId).key(key.keyId), typ: 'JWT' })
    .sign(crypto.createPrivateKey(unseal(key.sealedPrivateKey)));
}

async function issue(tenantId: TenantId, achievement: AchievementDoc, user: UserDoc, source: AwardRequest['source']): Promise<CredentialDoc> {
  const publicId = crypto.randomUUID();
  const recipient = recipientOf(user);
  const evidence = await evidenceFor(tenantId, user._id, source);
  const [issuer, key, competencies] = await Promise.all([issuerProfile(tenantId), activeIssuerKey(tenantId), competenciesOf(tenantId, achievement.competencies)]);
  // After the key exists: a credential never predates the key's published window.
  const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ob3 = ob3Credential({ publicId, issuedAt, recipient, evidence }, ob3Achievement(achievement, competencies), issuer);
  const ob3Jwt = await sign(tenantId, jwtClaims(ob3), key);
  const { signed: ob3Signed, statusIndex } = await secureCredential(tenantId, ob3);
  const doc = {
    tenantId,
    achievementId: achievement._id,
    userId: user._id,
    publicId,
    recipientName: user.name,
    salt: recipient.salt,
    emailHash: recipient.emailHash,
    source,
    evidence,
    issuedAt,
    ob3,
    ob3Jwt,
    ob3Signed,
    statusIndex,
    keyId: key.keyId,
  };
  const created = (await Credential.create(doc)).toObject() as unknown as CredentialDoc;
  await audit.record(tenantId, { action: 'credential.issued', subject: { kind: 'credential', id: created._id }, after: { achievement: achievement.name, recipient: user.name, source: source.kind } });
  return created;
}

/**
 * Awards an achievement once per person (unique tenant/achievement/user): a redelivered request finds
 * the credential already there. credential.issued is announced every time, its listeners are idempotent.
 */
export async function award(tenantId: TenantId, raw: unknown): Promise<{ credential?: CredentialDoc; reason?: string }> {
  const req = parse(AwardRequest, raw);
  const key = { achievementId: new Types.ObjectId(req.achievementId), userId: new Types.ObjectId(req.userId) };
  let credential = await Credential.findOne(scoped(tenantId, key)).lean<CredentialDoc>();
  if (!credential) {
    const achievement = await getAchievement(tenantId, key.achievementId);
    if (achievement.status !== 'active') return { reason: `${achievement.name} is archived and no longer awarded` };
    const user = await users.getUser(tenantId, key.userId);
    try {
      credential = await issue(tenantId, achievement, user, req.source);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      credential = await Credential.findOne(scoped(tenantId, key)).lean<CredentialDoc>();
    }
  }
  if (!credential) throw new Error('credential vanished while being issued');
  await emit('credential.issued', { tenantId, userId: credential.userId, credentialId: credential._id, achievementId: credential.achievementId });
  return { credential };
}

/** Issuing goes through the outbox: retried if anything fails, once per (achievement, person). */
export async function requestAward(tenantId: TenantId, req: AwardRequest, label: string): Promise<void> {
  await requestAwards(tenantId, [{ req, label }]);
}

/** Many awards asked for in one write, each as requestAward asks. */
export async function requestAwards(tenantId: TenantId, awards: { req: AwardRequest; label: string }[]): Promise<void> {
  await outbox.enqueueAll(tenantId, awards.map(({ req, label }) => ({ kind: 'badge-issue', key: `badge:${req.achievementId}:${req.userId}`, once: true, payload: req, label })));
}
