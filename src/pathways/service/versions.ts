import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, Invalid, NotFound } from '../../kernel/errors';
import { Pathway, PathwayDoc } from '../model';
import { latestOfEach, slugFrom } from '../rules';
import { ChangedBy, Id } from './common';
import { isDuplicateKey } from '../../db/writeErrors';
import { contentOf, PathwayInput, summaryOf, validatePathway } from './validation';

// Pathways and their versions

async function freeSlug(tenantId: TenantId, title: string): Promise<string> {
  const base = slugFrom(title);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await Pathway.exists(scoped(tenantId, { slug })))) return slug;
  }
}

/** A new pathway: version 1, a draft until published. */
export async function createPathway(tenantId: TenantId, input: PathwayInput, by: ChangedBy): Promise<PathwayDoc> {
  const content = await contentOf(tenantId, input);
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await Pathway.create({ tenantId, slug: await freeSlug(tenantId, input.title), version: 1, status: 'draft', ...content, createdBy: by });
      const doc = created.toObject() as unknown as PathwayDoc;
      await audit.record(tenantId, { actor: by, action: 'pathway.created', subject: { kind: 'pathway', id: doc._id }, after: summaryOf(doc) });
      return doc;
    } catch (err) {
      // Two pathways with the same title created at once took the same slug: pick the next one.
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/** Only drafts are edited in place; a published version is revised through a new draft (startRevision). */
export async function updateDraft(tenantId: TenantId, id: Id, input: PathwayInput, by: ChangedBy): Promise<PathwayDoc> {
  const before = await getPathway(tenantId, id);
  const content = await contentOf(tenantId, input);
  const unset = { ...(content.targetLevel === undefined ? { targetLevel: 1 } : {}), ...(content.achievementId === undefined ? { achievementId: 1 } : {}) };
  const set = Object.fromEntries(Object.entries(content).filter(([, v]) => v !== undefined));
  const after = await Pathway.findOneAndUpdate(scoped(tenantId, { _id: id, status: 'draft' }), { $set: set, $unset: unset }, { new: true }).lean<PathwayDoc>();
  if (!after) throw new Conflict('Only a draft can be edited; start a new version of a published pathway instead.');
  await audit.record(tenantId, { actor: by, action: 'pathway.updated', subject: { kind: 'pathway', id }, before: summaryOf(before), after: summaryOf(after) });
  return after;
}

/** Editing a published pathway: the draft of its next version (created once, a copy of the latest version). */
export async function startRevision(tenantId: TenantId, id: Id, by: ChangedBy): Promise<PathwayDoc> {
  const from = await getPathway(tenantId, id);
  if (from.status === 'draft') return from;
  const existing = await Pathway.findOne(scoped(tenantId, { slug: from.slug, status: 'draft' })).lean<PathwayDoc>();
  if (existing) return existing;
  const latest = (await versionsOf(tenantId, from.slug))[0]!;
  const { _id, status: _s, publishedAt: _pa, publishedBy: _pb, createdAt: _c, updatedAt: _u, ...content } = latest as PathwayDoc & { createdAt?: Date; updatedAt?: Date };
  try {
    const created = await Pathway.create({ ...content, _id: new Types.ObjectId(), version: latest.version + 1, status: 'draft', createdBy: by });
    const doc = created.toObject() as unknown as PathwayDoc;
    await audit.record(tenantId, { actor: by, action: 'pathway.revision-started', subject: { kind: 'pathway', id: doc._id }, after: summaryOf(doc) });
    return doc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const raced = await Pathway.findOne(scoped(tenantId, { slug: from.slug, status: 'draft' })).lean<PathwayDoc>();
    if (!raced) throw err;
    return raced;
  }
}

/** Publishing makes a draft the current version; the version it replaces stays for the people on it. */
export async function publish(tenantId: TenantId, id: Id, by: ChangedBy): Promise<PathwayDoc> {
  const draft = await getPathway(tenantId, id);
  if (draft.status !== 'draft') throw new Conflict('Only a draft can be published.');
  if (!draft.steps.length) throw new Invalid('Add at least one step before publishing.', { steps: 'Add at least one step' });
  const retired = (await catalog.getActivities(tenantId, draft.steps.map((s) => s.activityId))).filter((a) => a.status === 'retired');
  if (retired.length) throw new Invalid(`Replace retired activities before publishing: ${retired.map((a) => a.title).join(', ')}.`, { steps: 'A step is retired' });
  const published = await Pathway.findOneAndUpdate(scoped(tenantId, { _id: id, status: 'draft' }), { $set: { status: 'published', publishedAt: new Date(), publishedBy: by } }, { new: true }).lean<PathwayDoc>();
  if (!published) throw new Conflict('This draft was published or removed meanwhile.');
  await Pathway.updateMany(scoped(tenantId, { slug: draft.slug, status: 'published', _id: { $ne: id } }), { $set: { status: 'superseded' } });
  await audit.record(tenantId, { actor: by, action: 'pathway.published', subject: { kind: 'pathway', id }, after: summaryOf(published) });
  return published;
}

/** An archived pathway takes no new assignments or self-enrolments; people on it keep their goals. */
export async function archive(tenantId: TenantId, id: Id, by: ChangedBy): Promise<void> {
  const { modifiedCount } = await Pathway.updateOne(scoped(tenantId, { _id: id, status: 'published' }), { $set: { status: 'archived' } });
  if (!modifiedCount) throw new Conflict('Only the published version of a pathway can be archived.');
  await audit.record(tenantId, { actor: by, action: 'pathway.archived', subject: { kind: 'pathway', id } });
}

export async function deleteDraft(tenantId: TenantId, id: Id, by: ChangedBy): Promise<void> {
  const draft = await getPathway(tenantId, id);
  const { deletedCount } = await Pathway.deleteOne(scoped(tenantId, { _id: id, status: 'draft' }));
  if (!deletedCount) throw new Conflict('Only a draft can be deleted.');
  await audit.record(tenantId, { actor: by, action: 'pathway.draft-deleted', subject: { kind: 'pathway', id }, before: summaryOf(draft) });
}

/** A pathway with this title, created and published if there is none yet (demo data); idempotent. */
export async function ensurePublishedPathway(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<PathwayDoc> {
  const input = await validatePathway(tenantId, raw);
  const slug = slugFrom(input.title);
  const existing = (await Pathway.findOne(scoped(tenantId, { slug, status: 'published' })).lean<PathwayDoc>()) ?? (await versionsOf(tenantId, slug))[0];
  if (existing) return existing; // PD staff may have archived it or opened a draft: leave it as they made it
  return publish(tenantId, (await createPathway(tenantId, input, by))._id, by);
}

export async function getPathway(tenantId: TenantId, id: Id | string): Promise<PathwayDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Pathway.findOne(scoped(tenantId, { _id: id })).lean<PathwayDoc>() : null;
  if (!doc) throw new NotFound('That pathway');
  return doc;
}

/** Every version of one pathway, newest first. */
export function versionsOf(tenantId: TenantId, slug: string): Promise<PathwayDoc[]> {
  return Pathway.find(scoped(tenantId, { slug })).sort({ version: -1 }).lean<PathwayDoc[]>();
}

/** The latest version of each pathway (a draft when one is open), by title: PD staff's list. */
export async function latestVersions(tenantId: TenantId): Promise<{ latest: PathwayDoc; published?: PathwayDoc }[]> {
  return latestOfEach(await Pathway.find(scoped(tenantId)).sort({ slug: 1, version: -1 }).lean<PathwayDoc[]>());
}

/** The current published version of every pathway (what teachers and placements see). */
export function listPublished(tenantId: TenantId): Promise<PathwayDoc[]> {
  return Pathway.find(scoped(tenantId, { status: 'published' })).sort({ title: 1 }).lean<PathwayDoc[]>();
}

/** The version teachers should see for any version's id: the published one of its pathway, if any. */
export async function currentOf(tenantId: TenantId, id: Id | string): Promise<PathwayDoc> {
  const doc = await getPathway(tenantId, id);
  if (doc.status === 'published') return doc;
  return (await Pathway.findOne(scoped(tenantId, { slug: doc.slug, status: 'published' })).lean<PathwayDoc>()) ?? doc;
}

/** The pathway's steps as catalog activities, in order (a step whose activity vanished is left out). */
export async function stepActivities(tenantId: TenantId, p: Pick<PathwayDoc, 'steps'>): Promise<{ activity: catalog.ActivityDoc; required: boolean }[]> {
  const found = new Map((await catalog.getActivities(tenantId, p.steps.map((s) => s.activityId))).map((a) => [String(a._id), a]));
  return p.steps.flatMap((s) => {
    const activity = found.get(String(s.activityId));
    return activity ? [{ activity, required: s.required ?? true }] : [];
  });
}
