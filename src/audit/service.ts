import { Types } from 'mongoose';
import { scoped, TenantId } from '../db/tenancy';
import { AuditEntry, AuditEntryDoc } from './model';

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

export async function record(tenantId: TenantId, e: AuditInput): Promise<void> {
  await AuditEntry.create({
    tenantId,
    actorId: e.actor?.userId,
    actorName: e.actor?.name ?? e.system ?? 'system',
    action: e.action,
    subject: { kind: e.subject.kind, id: String(e.subject.id) },
    before: e.before,
    after: e.after,
  });
}

export function history(tenantId: TenantId, subject: { kind: string; id: string | Types.ObjectId }): Promise<AuditEntryDoc[]> {
  return AuditEntry.find(scoped(tenantId, { 'subject.kind': subject.kind, 'subject.id': String(subject.id) })).sort({ at: 1 }).lean<AuditEntryDoc[]>();
}

export function recent(tenantId: TenantId, filter: { action?: string; limit?: number } = {}): Promise<AuditEntryDoc[]> {
  const q = filter.action ? { action: filter.action } : {};
  return AuditEntry.find(scoped(tenantId, q)).sort({ at: -1 }).limit(filter.limit ?? 200).lean<AuditEntryDoc[]>();
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
