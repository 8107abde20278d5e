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
