import { Types } from 'mongoose';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { AuditEntry, AuditEntryDoc } from './model';

export type { AuditEntryDoc };

/** Names for the ids an audit page shows: people, plans (by their teacher), pathways, groups, activities, badges. */
export type NameBook = Map<string, string>;

/**
 * What the audit pages need from the features whose ids they show. Every feature writes to the audit log, so
 * audit/ imports none of them: the app hands this to `auditRouter` (`src/auditDirectory.ts`).
 */
export interface AuditDirectory {
  /** Looks every id of these entries up once, per kind of thing. */
  nameBook(tenantId: TenantId, entries: AuditEntryDoc[]): Promise<NameBook>;
  /** People's names (or e-mails) by id. */
  peopleNames(tenantId: TenantId, ids: Types.ObjectId[]): Promise<Map<string, string>>;
  /** A person's plans, so filtering by a person finds the entries about their plans too. */
  planIdsOf(tenantId: TenantId, userId: Types.ObjectId): Promise<Types.ObjectId[]>;
}

/** Who made a change, as every feature records it. */
export interface ChangedBy {
  userId: Types.ObjectId;
  name: string;
}

export interface AuditInput {
  actor?: ChangedBy;
  /** Who acted when no user did (e.g. "tool admin (CLI)"); default "system". */
  system?: string;
  action: string;
  subject: { kind: string; id: string | Types.ObjectId };
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

function entryOf(tenantId: TenantId, e: AuditInput) {
  return {
    tenantId,
    actorId: e.actor?.userId,
    actorName: e.actor?.name ?? e.system ?? 'system',
    action: e.action,
    subject: { kind: e.subject.kind, id: String(e.subject.id) },
    before: e.before,
    after: e.after,
  };
}

export async function record(tenantId: TenantId, e: AuditInput): Promise<void> {
  await AuditEntry.create(entryOf(tenantId, e));
}

/** Many entries in one write (a batch of synced completions). */
export async function recordAll(tenantId: TenantId, entries: AuditInput[]): Promise<void> {
  if (entries.length) await AuditEntry.insertMany(entries.map((e) => entryOf(tenantId, e)));
}

export function history(tenantId: TenantId, subject: { kind: string; id: string | Types.ObjectId }): Promise<AuditEntryDoc[]> {
  return AuditEntry.find(scoped(tenantId, { 'subject.kind': subject.kind, 'subject.id': String(subject.id) })).sort({ at: 1 }).lean<AuditEntryDoc[]>();
}

export interface AuditFilter {
  action?: string;
  /** Entries this person made, or about them or one of their plans. */
  person?: { userId: Types.ObjectId; planIds: Types.ObjectId[] };
  from?: Date;
  /** Exclusive. */
  to?: Date;
  limit?: number;
}

function auditQuery(f: AuditFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (f.action) q.action = f.action;
  if (f.person) {
    q.$or = [
      { actorId: f.person.userId },
      { 'subject.kind': 'user', 'subject.id': String(f.person.userId) },
      ...(f.person.planIds.length ? [{ 'subject.kind': 'plan', 'subject.id': { $in: f.person.planIds.map(String) } }] : []),
    ];
  }
  if (f.from || f.to) q.at = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return q;
}

export function recent(tenantId: TenantId, filter: AuditFilter = {}): Promise<AuditEntryDoc[]> {
  return AuditEntry.find(scoped(tenantId, auditQuery(filter))).sort({ at: -1 }).limit(filter.limit ?? 200).lean<AuditEntryDoc[]>();
}

/** How many entries match (the page shows the newest of them). */
export function countMatching(tenantId: TenantId, filter: AuditFilter = {}): Promise<number> {
  return AuditEntry.countDocuments(scoped(tenantId, auditQuery(filter)));
}

/** The actions, the people who acted and the people acted upon in the log, for the filters. */
export async function filterChoices(tenantId: TenantId): Promise<{ actions: string[]; actors: { id: string; name: string }[]; subjectUserIds: Types.ObjectId[] }> {
  const [actions, actors, subjects] = await Promise.all([
    AuditEntry.aggregate<{ _id: string }>(scopedPipeline(tenantId, {}, [{ $group: { _id: '$action' } }, { $sort: { _id: 1 } }])),
    AuditEntry.aggregate<{ _id: Types.ObjectId; name: string }>(scopedPipeline(tenantId, { actorId: { $exists: true } }, [{ $sort: { at: -1 } }, { $group: { _id: '$actorId', name: { $first: '$actorName' } } }, { $sort: { name: 1 } }])),
    AuditEntry.distinct('subject.id', scoped(tenantId, { 'subject.kind': 'user' })) as Promise<string[]>,
  ]);
  const subjectUserIds = subjects.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
  return { actions: actions.map((a) => a._id), actors: actors.map((a) => ({ id: String(a._id), name: a.name })), subjectUserIds };
}

/**
 * A person asked for their data to be deleted: entries they made lose their name and id, and entries
 * about their (deleted) records lose their before/after summaries. The entries themselves stay.
 */
export async function anonymise(tenantId: TenantId, who: { actorId: Types.ObjectId; subjectIds: string[] }): Promise<void> {
  await AuditEntry.updateMany(scoped(tenantId, { actorId: who.actorId }), { $set: { actorName: 'a deleted user' }, $unset: { actorId: 1 } });
  if (who.subjectIds.length) await AuditEntry.updateMany(scoped(tenantId, { 'subject.id': { $in: who.subjectIds } }), { $unset: { before: 1, after: 1 } });
}

/** Retention: entries expire after AUDIT_RETENTION_DAYS (default 730) through a TTL index. */
export async function ensureRetention(days: number): Promise<void> {
  await AuditEntry.createCollection();
  const collection = AuditEntry.collection;
  const existing = (await collection.indexes()).find((i) => i.name === 'at_ttl');
  const seconds = days * 86400;
  if (existing && existing.expireAfterSeconds === seconds) return;
  if (existing) await collection.dropIndex('at_ttl');
  await collection.createIndex({ at: 1 }, { name: 'at_ttl', expireAfterSeconds: seconds });
}
