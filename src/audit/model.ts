import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** Who did what to which thing, with a short before/after summary (never private reflection text). */
const AuditEntrySchema = new Schema({
  actorId: { type: Schema.Types.ObjectId },
  actorName: { type: String, default: '' },
  action: { type: String, required: true },
  subject: { kind: { type: String, required: true }, id: { type: String, required: true } },
  before: { type: Schema.Types.Mixed },
  after: { type: Schema.Types.Mixed },
  at: { type: Date, default: () => new Date() },
});
AuditEntrySchema.plugin(tenantScoped);
AuditEntrySchema.index({ tenantId: 1, at: -1 });
AuditEntrySchema.index({ tenantId: 1, 'subject.kind': 1, 'subject.id': 1, at: -1 });

export type AuditEntryDoc = Scoped<InferSchemaType<typeof AuditEntrySchema>>;
export const AuditEntry = model('AuditEntry', AuditEntrySchema, 'auditLog');

/** Retention: entries expire after AUDIT_RETENTION_DAYS (default 730) through a TTL index. */
export async function ensureAuditRetention(days: number): Promise<void> {
  await AuditEntry.createCollection();
  const collection = AuditEntry.collection;
  const existing = (await collection.indexes()).find((i) => i.name === 'at_ttl');
  const seconds = days * 86400;
  if (existing && existing.expireAfterSeconds === seconds) return;
  if (existing) await collection.dropIndex('at_ttl');
  await collection.createIndex({ at: 1 }, { name: 'at_ttl', expireAfterSeconds: seconds });
}
