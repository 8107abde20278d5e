import crypto from 'node:crypto';
import { createLocalJWKSet, exportJWK, exportPKCS8, generateKeyPair, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import * as catalog from '../catalog/service';
import { config } from '../config';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { emit, on } from '../events';
import * as frameworks from '../frameworks/service';
import * as notices from '../notifications/service';
import * as outbox from '../outbox/service';
import * as plans from '../plans/service';
import { seal, unseal } from '../secrets';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { formList, objectId } from '../kernel/validation';
import { isoDate } from '../web/format';
import { checkedImage, isIssuerUrl, UploadedImage } from './rules';
import { Achievement, AchievementDoc, Credential, CredentialDoc, IssuerKey, IssuerKeyDoc, IssuerProfile, IssuerProfileDoc } from './model';
import { Competency, Evidence, IssuerFacts, jwtClaims, ob3Achievement, ob3Credential, obUrls, publicJwks, Recipient, SignatureCheck } from './presenter';

export type { AchievementDoc, CredentialDoc, IssuerKeyDoc };

type Id = Types.ObjectId;

export type { ChangedBy };

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Invalid('Some fields need attention.', fieldErrors(parsed.error));
  return parsed.data;
}

// ---------------------------------------------------------------- achievements

const tagList = z
  .string()
  .max(400, 'Keep the tags under 400 characters')
  .default('')
  .transform((s) => [...new Set(s.split(',').map((t) => t.trim()).filter(Boolean))])
  .refine((tags) => tags.length <= 10 && tags.every((t) => t.length <= 40), 'Use at most 10 tags of up to 40 characters, separated by commas');

/** An achievement as PD staff enter it; activityIds are the micro-credential activities that award it. */
export const AchievementInput = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(120, 'Keep the name under 120 characters'),
  description: z.string().trim().min(1, 'Say what the badge recognises').max(2000, 'Keep the description under 2000 characters'),
  criteria: z.string().trim().min(1, 'Say how the badge is earned').max(4000, 'Keep the criteria under 4000 characters'),
  color: z.string().trim().regex(/^#[0-9a-f]{6}$/i, 'Choose a color such as #1f5f8b').default('#1f5f8b'),
  tags: tagList,
  competencies: formList(z.string().trim().toUpperCase()),
  activityIds: formList(objectId),
  /** Go back to the drawn badge instead of the uploaded image. */
  removeImage: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()).default(false),
});
export type AchievementInput = z.infer<typeof AchievementInput>;

export { MAX_IMAGE_BYTES } from './rules';
export type { UploadedImage } from './rules';

/** The framework's competency names by code. */
export async function competencyNames(tenantId: TenantId): Promise<Map<string, string>> {
  return new Map([...(await frameworks.competenciesByCode(tenantId)).values()].map((c) => [c.code, c.name]));
}

/** Every competency of the tenant's framework, to align achievements to. */
export async function frameworkCompetencies(tenantId: TenantId): Promise<Competency[]> {
  return [...(await competencyNames(tenantId))].map(([code, name]) => ({ code, name }));
}

export async function competenciesOf(tenantId: TenantId, codes: string[]): Promise<Competency[]> {
  const names = await competencyNames(tenantId);
  return codes.map((code) => ({ code, name: names.get(code) ?? code }));
}

export async function microCredentialActivities(tenantId: TenantId): Promise<catalog.ActivityDoc[]> {
  return catalog.listActivities(tenantId, { kind: 'micro-credential' });
}

/** Checks what the form refers to: framework competencies and micro-credential activities of this tenant. */
export async function validateAchievement(tenantId: TenantId, raw: unknown): Promise<AchievementInput> {
  const input = parse(AchievementInput, raw);
  const codes = await competencyNames(tenantId);
  const unknown = input.competencies.filter((c) => !codes.has(c));
  if (unknown.length) throw new Invalid('Some fields need attention.', { competencies: `Not in your framework: ${unknown.join(', ')}` });
  const allowed = new Set((await microCredentialActivities(tenantId)).map((a) => String(a._id)));
  if (input.activityIds.some((id) => !allowed.has(id))) throw new Invalid('Some fields need attention.', { activityIds: 'Choose micro-credential activities from the catalog' });
  return input;
}

function achievementFields(input: AchievementInput) {
  return { name: input.name, description: input.description, criteria: input.criteria, color: input.color, tags: input.tags, competencies: input.competencies };
}

/** Points the chosen micro-credential activities at the achievement and releases the ones no longer chosen. */
async function attachActivities(tenantId: TenantId, achievementId: Id, activityIds: string[]): Promise<void> {
  for (const activity of await microCredentialActivities(tenantId)) {
    const chosen = activityIds.includes(String(activity._id));
    const attached = activity.achievementId?.equals(achievementId) ?? false;
    if (chosen && !attached) await catalog.setActivityAchievement(tenantId, activity._id, achievementId);
    if (!chosen && attached) await catalog.setActivityAchievement(tenantId, activity._id, null);
  }
}

export async function createAchievement(tenantId: TenantId, input: AchievementInput, image: UploadedImage | undefined, by: ChangedBy): Promise<AchievementDoc> {
  const picture = image ? checkedImage(image) : undefined;
  const created = await Achievement.create({ tenantId, ...achievementFields(input), ...(picture ? { image: picture } : {}) });
  await attachActivities(tenantId, created._id, input.activityIds);
  await audit.record(tenantId, { actor: by, action: 'achievement.created', subject: { kind: 'achievement', id: created._id }, after: { name: input.name } });
  return created.toObject() as unknown as AchievementDoc;
}

export async function updateAchievement(tenantId: TenantId, id: Id, input: AchievementInput, image: UploadedImage | undefined, by: ChangedBy): Promise<AchievementDoc> {
  const before = await getAchievement(tenantId, id);
  const picture = image ? checkedImage(image) : undefined;
  const update = picture ? { $set: { ...achievementFields(input), image: picture } } : { $set: achievementFields(input), ...(input.removeImage ? { $unset: { image: 1 } } : {}) };
  const updated = await Achievement.findOneAndUpdate(scoped(tenantId, { _id: id }), update, { new: true }).lean<AchievementDoc>();
  if (!updated) throw new NotFound('That achievement');
  await attachActivities(tenantId, id, input.activityIds);
  await audit.record(tenantId, { actor: by, action: 'achievement.updated', subject: { kind: 'achievement', id }, before: { name: before.name }, after: { name: input.name, newImage: !!picture } });
  return updated;
}

/** Archived achievements are no longer awarded; badges already issued stay valid. */
export async function setAchievementStatus(tenantId: TenantId, id: Id, status: 'active' | 'archived', by: ChangedBy): Promise<void> {
  const before = await getAchievement(tenantId, id);
  if (before.status === status) return;
  await Achievement.updateOne(scoped(tenantId, { _id: id }), { $set: { status } });
  await audit.record(tenantId, { actor: by, action: `achievement.${status === 'archived' ? 'archived' : 'restored'}`, subject: { kind: 'achievement', id }, before: { status: before.status }, after: { status } });
}

export async function getAchievement(tenantId: TenantId, id: Id | string): Promise<AchievementDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Achievement.findOne(scoped(tenantId, { _id: id })).lean<AchievementDoc>() : null;
  if (!doc) throw new NotFound('That achievement');
  return doc;
}

/** Achievements PD staff can attach to goals, pathways and activities (active ones unless told otherwise). */
export function listAchievements(tenantId: TenantId, opts: { includeArchived?: boolean } = {}): Promise<AchievementDoc[]> {
  return Achievement.find(scoped(tenantId, opts.includeArchived ? {} : { status: 'active' })).sort({ name: 1 }).lean<AchievementDoc[]>();
}

/** The uploaded badge image, if any (lean documents hold it as BSON binary). */
export function uploadedImage(a: AchievementDoc): { data: Buffer; contentType: string } | undefined {
  const raw = a.image?.data as unknown as Buffer | { buffer: Uint8Array } | undefined;
  if (!raw || !a.image?.contentType) return undefined;
  return { data: Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer), contentType: a.image.contentType };
}

export async function attachedActivityIds(tenantId: TenantId, achievementId: Id): Promise<string[]> {
  return (await microCredentialActivities(tenantId)).filter((a) => a.achievementId?.equals(achievementId)).map((a) => String(a._id));
}

export async function issuedCounts(tenantId: TenantId): Promise<Map<string, number>> {
  const rows = await Credential.aggregate<{ _id: Id; n: number }>(scopedPipeline(tenantId, {}, [{ $group: { _id: '$achievementId', n: { $sum: 1 } } }]));
  return new Map(rows.map((r) => [String(r._id), r.n]));
}

// ---------------------------------------------------------------- issuer: profile and keys

const IssuerInput = z.object({
  name: z.string().trim().min(1, 'Enter the name badges show as issuer').max(120, 'Keep the name under 120 characters'),
  url: z.string().trim().url('Enter the web address of your district, starting with https://').refine(isIssuerUrl, 'The issuer address must start with https://'),
  email: z.string().trim().email('Enter a contact email address'),
});

export async function issuerProfile(tenantId: TenantId): Promise<IssuerFacts> {
  const existing = await IssuerProfile.findOne(scoped(tenantId, { _id: tenantId })).lean<IssuerProfileDoc>();
  const profile = existing ?? (await createIssuerProfile(tenantId));
  return { tenantId, name: profile.name, url: profile.url, email: profile.email };
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
  await IssuerProfile.updateOne(scoped(tenantId, { _id: tenantId }), { $set: input });
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

/** Every key that ever signed a credential of this tenant: the active one first. */
export async function publishedKeys(tenantId: TenantId): Promise<IssuerKeyDoc[]> {
  await activeIssuerKey(tenantId);
  return IssuerKey.find(scoped(tenantId)).sort({ status: 1, createdAt: -1 }).lean<IssuerKeyDoc[]>();
}

export async function publishedKey(tenantId: TenantId, keyId: string): Promise<IssuerKeyDoc> {
  const key = await IssuerKey.findOne(scoped(tenantId, { keyId })).lean<IssuerKeyDoc>();
  if (!key) throw new NotFound('That key');
  return key;
}

/** A new signing key from now on; the old one stays published so earlier badges still verify. */
export async function rotateIssuerKey(tenantId: TenantId, by: ChangedBy): Promise<IssuerKeyDoc> {
  const old = await activeIssuerKey(tenantId);
  await IssuerKey.updateOne(scoped(tenantId, { _id: old._id, status: 'active' }), { $set: { status: 'retired', retiredAt: new Date() } });
  const fresh = await activeIssuerKey(tenantId);
  await audit.record(tenantId, { actor: by, action: 'issuer.key-rotated', subject: { kind: 'issuer', id: tenantId }, before: { keyId: old.keyId }, after: { keyId: fresh.keyId } });
  return fresh;
}

// ---------------------------------------------------------------- issuing

const AwardSource = z.object({
  kind: z.enum(['goal', 'activity', 'manual']),
  planId: objectId.optional(),
  goalId: objectId.optional(),
  pathwayId: objectId.optional(),
  activityId: objectId.optional(),
});
const AwardRequest = z.object({ achievementId: objectId, userId: objectId, source: AwardSource });
export type AwardRequest = z.infer<typeof AwardRequest>;

/** A stable, opaque subject id for a person within a tenant (the credential's `sub`), never their LMS id. */
function subjectIdOf(tenantId: TenantId, userId: Id): string {
  const h = crypto.createHmac('sha256', config().secrets.dataKey).update(`recipient:${tenantId}:${userId}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function recipientOf(tenantId: TenantId, user: UserDoc): Recipient {
  const salt = crypto.randomBytes(16).toString('hex');
  const email = user.aliases?.email?.toLowerCase();
  const emailHash = email ? `sha256$${crypto.createHash('sha256').update(email + salt).digest('hex')}` : undefined;
  return { subjectId: subjectIdOf(tenantId, user._id), salt, emailHash };
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
  const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const publicId = crypto.randomUUID();
  const recipient = recipientOf(tenantId, user);
  const evidence = await evidenceFor(tenantId, user._id, source);
  const [issuer, key, competencies] = await Promise.all([issuerProfile(tenantId), activeIssuerKey(tenantId), competenciesOf(tenantId, achievement.competencies)]);
  const ob3 = ob3Credential({ publicId, issuedAt, recipient, evidence }, ob3Achievement(achievement, competencies), issuer);
  const ob3Jwt = await sign(tenantId, jwtClaims(ob3), key);
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
async function requestAward(tenantId: TenantId, req: AwardRequest, label: string): Promise<void> {
  await outbox.enqueue(tenantId, { kind: 'badge-issue', key: `badge:${req.achievementId}:${req.userId}`, once: true, payload: req, label });
}

on('goal.completed', async (e) => {
  if (!e.achievementId) return;
  const source = { kind: 'goal' as const, planId: String(e.planId), goalId: String(e.goalId), ...(e.pathwayId ? { pathwayId: String(e.pathwayId) } : {}) };
  await requestAward(e.tenantId, { achievementId: String(e.achievementId), userId: String(e.userId), source }, 'Badge for a completed goal');
});

on('activity.completed', async (e) => {
  const activity = await catalog.getActivity(e.tenantId, e.activityId).catch(() => undefined);
  if (!activity || activity.kind !== 'micro-credential' || !activity.achievementId) return;
  const source = { kind: 'activity' as const, planId: String(e.planId), goalId: String(e.goalId), activityId: String(activity._id) };
  await requestAward(e.tenantId, { achievementId: String(activity.achievementId), userId: String(e.userId), source }, `Badge for ${activity.title}`);
});

outbox.registerHandler('badge-issue', async (m) => {
  try {
    const { credential, reason } = await award(m.tenantId, m.payload);
    return credential ? { outcome: 'done' } : { outcome: 'not-applicable', reason: reason ?? 'Not awarded' };
  } catch (err) {
    // The person or the achievement was deleted meanwhile: nothing left to award.
    if (err instanceof NotFound) return { outcome: 'not-applicable', reason: err.message };
    throw err;
  }
});

// ---------------------------------------------------------------- reading, verifying, revoking

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

/** Checks the stored VC-JWT against the tenant's published keys, as any verifier would. */
export async function checkSignature(c: CredentialDoc): Promise<SignatureCheck> {
  const jwks = createLocalJWKSet(publicJwks(await publishedKeys(c.tenantId)));
  try {
    const { payload } = await jwtVerify(c.ob3Jwt, jwks, { algorithms: ['RS256'] });
    const ob3 = c.ob3 as { id: string; issuer: { id: string } };
    if (payload.jti !== ob3.id || payload.iss !== ob3.issuer.id) return { valid: false, detail: 'The signed token does not match this credential.' };
    return { valid: true, detail: 'Its digital signature matches the issuer’s published key.' };
  } catch (err) {
    return { valid: false, detail: `The signature could not be verified: ${(err as Error).message}` };
  }
}

const RevokeInput = z.object({ reason: z.string().trim().min(1, 'Say why the badge is revoked (the reason is public)').max(300, 'Keep the reason under 300 characters') });

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

// ---------------------------------------------------------------- demo

const SAMPLE_ACHIEVEMENTS = [
  {
    sampleKey: 'checking-understanding',
    activityTitle: 'Micro-credential: Checking for Understanding',
    name: 'Checking for Understanding',
    description: 'Uses quick, planned checks for understanding and adjusts teaching on the spot.',
    criteria: 'Complete the Checking for Understanding micro-credential: plan hinge questions, use them in three lessons and submit student evidence.',
    color: '#1d7a46',
    tags: ['formative assessment', 'micro-credential'],
    competencies: ['ASMT1'],
  },
  {
    sampleKey: 'formative-practitioner',
    name: 'Formative Assessment Practitioner',
    description: 'Completed a professional-learning goal in formative assessment.',
    criteria: 'Complete a PD plan goal in formative assessment, with its activities and a reflection on practice.',
    color: '#1f5f8b',
    tags: ['formative assessment'],
    competencies: ['ASMT1', 'ASMT2'],
  },
];

/** Demo districts start with two badges, one awarded by the sample micro-credential activity (the signing key comes with the first badge issued). */
export async function ensureSampleAchievements(tenantId: TenantId): Promise<void> {
  const codes = await competencyNames(tenantId);
  for (const { sampleKey, activityTitle, ...fields } of SAMPLE_ACHIEVEMENTS) {
    const doc = { ...fields, competencies: fields.competencies.filter((c) => codes.has(c)) };
    try {
      await Achievement.updateOne(scoped(tenantId, { sampleKey }), { $setOnInsert: doc }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const achievement = await Achievement.findOne(scoped(tenantId, { sampleKey })).lean<AchievementDoc>();
    const activity = activityTitle ? (await microCredentialActivities(tenantId)).find((a) => a.title === activityTitle) : undefined;
    if (achievement && activity && !activity.achievementId) await catalog.setActivityAchievement(tenantId, activity._id, achievement._id);
  }
}

/** The person's badges are removed with the rest of their data; their verify pages then answer "not found". */
on('user.data-deleted', async ({ tenantId, userId }) => {
  await Credential.deleteMany(scoped(tenantId, { userId }));
});
