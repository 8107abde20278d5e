import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** An in-app notice for one person; milestones (goal done, plan approved, badge earned) celebrate. */
const NotificationSchema = new Schema({
  userId: { type: Schema.Types.ObjectId, required: true },
  kind: { type: String, required: true },
  title: { type: String, required: true },
  body: { type: String, default: '' },
  link: { type: String },
  celebrate: { type: Boolean, default: false },
  /** Stops the same milestone being announced twice when a flow is retried. */
  dedupeKey: { type: String },
  readAt: { type: Date },
  createdAt: { type: Date, default: () => new Date() },
});
NotificationSchema.plugin(tenantScoped);
NotificationSchema.index({ tenantId: 1, userId: 1, readAt: 1, createdAt: -1 });
NotificationSchema.index({ tenantId: 1, dedupeKey: 1 }, { unique: true, partialFilterExpression: { dedupeKey: { $type: 'string' } } });

export type NotificationDoc = Scoped<InferSchemaType<typeof NotificationSchema>>;
export const Notification = model('Notification', NotificationSchema);
