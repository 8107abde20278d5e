import { InferSchemaType, Schema, Types, model } from 'mongoose';

/**
 * A registration link a tool admin issued (`npm run platform:link`). Only the SHA-256 of its token is
 * stored; the link works once (`usedAt` is set by a conditional update) and until `expiresAt`.
 * Invites belong to no tenant yet: they are how a tenant comes to exist.
 */
const RegistrationInviteSchema = new Schema(
  {
    tokenHash: { type: String, required: true, unique: true },
    /** Who the link is for, as the tool admin described it ("Riverside Moodle"). */
    note: { type: String, default: '' },
    /** When set, only a platform with this issuer may register through the link. */
    issuer: { type: String },
    issuedBy: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    /** Set when a registration starts with the link; cleared again if that registration fails. */
    usedAt: { type: Date },
    registered: {
      type: new Schema({ tenantId: { type: Types.ObjectId, required: true }, issuer: String, clientId: String, at: Date }, { _id: false }),
      default: undefined,
    },
  },
  // No updatedAt: a refused registration gives the link back exactly as it was.
  { timestamps: { createdAt: true, updatedAt: false } },
);
// Spent and expired links are removed a week after they expire.
RegistrationInviteSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 7 * 86400 });

export type RegistrationInviteDoc = InferSchemaType<typeof RegistrationInviteSchema> & { _id: Types.ObjectId };
export const RegistrationInvite = model('RegistrationInvite', RegistrationInviteSchema, 'registrationInvites');
