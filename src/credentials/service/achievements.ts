import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import * as frameworks from '../../frameworks/service';
import { Invalid, NotFound } from '../../kernel/errors';
import { formList, objectId } from '../../kernel/validation';
import { Achievement, AchievementDoc, Credential } from '../model';
import { Competency } from '../presenter';
import { checkedImage, UploadedImage } from '../rules';
import { parse } from './common';

// Achievements (badge classes) PD staff define, and what they align to and are awarded by.

type Id = Types.ObjectId;

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

/** Badges issued per achievement; `valid` leaves out revoked ones (what the public showcase counts). */
export async function issuedCounts(tenantId: TenantId, opts: { valid?: boolean } = {}): Promise<Map<string, number>> {
  const match = opts.valid ? { revokedAt: { $exists: false } } : {};
  const rows = await Credential.aggregate<{ _id: Id; n: number }>(scopedPipeline(tenantId, match, [{ $group: { _id: '$achievementId', n: { $sum: 1 } } }]));
  return new Map(rows.map((r) => [String(r._id), r.n]));
}

