import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

/** One person's email choices: only the kinds they changed from the default (rules.ts), kind → wanted. */
const EmailPreferenceSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    choices: { type: Map, of: Boolean, default: () => new Map() },
  },
  { timestamps: true },
);
EmailPreferenceSchema.plugin(tenantScoped);
EmailPreferenceSchema.index({ tenantId: 1, userId: 1 }, { unique: true });

/**
 * Every email the SMTP server accepted, by its key (notice + recipient, or digest week + recipient): a
 * delivery retried after the server took it (a worker lost its lease mid-send) finds it here and sends nothing.
 */
const SentEmailSchema = new Schema({
  key: { type: String, required: true },
  userId: { type: Schema.Types.ObjectId, required: true },
  to: { type: String, required: true },
  subject: { type: String, required: true },
  messageId: { type: String, required: true },
  sentAt: { type: Date, default: () => new Date() },
});
SentEmailSchema.plugin(tenantScoped);
SentEmailSchema.index({ tenantId: 1, key: 1 }, { unique: true });
SentEmailSchema.index({ tenantId: 1, userId: 1 });

/** The district's email settings: which emails about a teacher also go to their managers. */
const EmailSettingsSchema = new Schema(
  {
    /** One settings document per district: concurrent first saves meet on (tenantId, of). */
    of: { type: String, default: 'district' },
    copyManagersOn: { type: [String], default: [] },
  },
  { timestamps: true },
);
EmailSettingsSchema.plugin(tenantScoped);
EmailSettingsSchema.index({ tenantId: 1, of: 1 }, { unique: true });

export type EmailPreferenceDoc = Scoped<InferSchemaType<typeof EmailPreferenceSchema>>;
export type SentEmailDoc = Scoped<InferSchemaType<typeof SentEmailSchema>>;
export type EmailSettingsDoc = Scoped<InferSchemaType<typeof EmailSettingsSchema>>;
export const EmailPreference = model('EmailPreference', EmailPreferenceSchema);
export const SentEmail = model('SentEmail', SentEmailSchema);
export const EmailSettings = model('EmailSettings', EmailSettingsSchema);
