import { InferSchemaType, Schema, model } from 'mongoose';
import { Scoped, tenantScoped } from '../db/tenancy';

export const IMAGE_TYPES = ['image/png', 'image/svg+xml'] as const;
export const KEY_STATUSES = ['active', 'retired', 'compromised'] as const;

/** A badge PD staff define: what it recognises and how it is earned (the OB 3.0 Achievement / OB 2.0 BadgeClass). */
const AchievementSchema = new Schema(
  {
    name: { type: String, required: true },
    description: { type: String, required: true },
    criteria: { type: String, required: true },
    /** An uploaded PNG or SVG; without one, a badge is drawn from the name and color. */
    image: {
      data: Buffer,
      contentType: { type: String, enum: IMAGE_TYPES },
    },
    color: { type: String, default: '#1f5f8b' },
    tags: { type: [String], default: [] },
    /** Competency codes of the tenant's framework it aligns to. */
    competencies: { type: [String], default: [] },
    status: { type: String, enum: ['active', 'archived'], default: 'active' },
    /** Stable id of a demo achievement, so seeding is idempotent. */
    sampleKey: String,
  },
  { timestamps: true },
);
AchievementSchema.plugin(tenantScoped);
AchievementSchema.index({ tenantId: 1, status: 1, name: 1 });
AchievementSchema.index({ tenantId: 1, sampleKey: 1 }, { unique: true, partialFilterExpression: { sampleKey: { $type: 'string' } } });

/** The tenant's credential-signing key: private half sealed with the data key, public half published as a JWK. */
const IssuerKeySchema = new Schema(
  {
    /** The key's own id; its `kid` is the URL that serves its public JWK. */
    keyId: { type: String, required: true },
    alg: { type: String, default: 'RS256' },
    publicJwk: { type: Schema.Types.Mixed, required: true },
    sealedPrivateKey: { type: String, required: true },
    /** The same key generation's Ed25519 key: the did:web verification method of Data Integrity proofs. */
    ed25519: { publicKeyMultibase: String, sealedSecretKey: String },
    /**
     * Retired keys stay published, with the window they signed in, so credentials signed with them still
     * verify; a compromised key is no longer published at all, so nothing it signs (back-dated or not) verifies.
     */
    status: { type: String, enum: KEY_STATUSES, default: 'active' },
    retiredAt: Date,
  },
  { timestamps: true },
);
IssuerKeySchema.plugin(tenantScoped);
IssuerKeySchema.index({ tenantId: 1, status: 1 }, { unique: true, partialFilterExpression: { status: 'active' }, name: 'one_active_key' });
IssuerKeySchema.index({ tenantId: 1, keyId: 1 }, { unique: true });

/** How the district appears as badge issuer (OB 2.0 issuers need a contact email); one per tenant, keyed by it. */
const IssuerProfileSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    url: { type: String, required: true },
    email: { type: String, required: true },
    /** The district's LinkedIn company page id (digits): "Add to LinkedIn" then links that page. */
    linkedInId: String,
    /** The next free index of the district's BitstringStatusList. */
    nextStatusIndex: { type: Number, default: 0 },
  },
  { timestamps: true },
);
IssuerProfileSchema.plugin(tenantScoped);

const EvidenceSchema = new Schema({ name: String, narrative: String, url: String }, { _id: false });

/** An achievement awarded to one person: the signed OB 3.0 credential and the data of its OB 2.0 assertion. */
const CredentialSchema = new Schema(
  {
    achievementId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** Unguessable id used in public URLs (verify page, JSON, OB 2.0 assertion). */
    publicId: { type: String, required: true },
    recipientName: { type: String, default: '' },
    /** The holder's choice: the public verify page shows their name only when they share it (private by default). */
    nameShared: { type: Boolean, default: false },
    /** Salt of the hashed recipient email (OB 2.0 recipient, OB 3.0 identifier), drawn for each credential. */
    salt: { type: String, required: true },
    emailHash: String,
    source: {
      kind: { type: String, enum: ['goal', 'activity', 'manual'], required: true },
      planId: Schema.Types.ObjectId,
      goalId: Schema.Types.ObjectId,
      pathwayId: Schema.Types.ObjectId,
      activityId: Schema.Types.ObjectId,
    },
    evidence: { type: [EvidenceSchema], default: [] },
    issuedAt: { type: Date, required: true },
    /** The OpenBadgeCredential as signed, and its VC-JWT. */
    ob3: { type: Schema.Types.Mixed, required: true },
    ob3Jwt: { type: String, required: true },
    /** The same credential issued by the district's did:web with an eddsa-rdfc-2022 Data Integrity proof. */
    ob3Signed: Schema.Types.Mixed,
    /** Its bit in the district's BitstringStatusList (set when revoked). */
    statusIndex: Number,
    keyId: { type: String, required: true },
    revokedAt: Date,
    /** For the holder and PD staff only: public status says "revoked", nothing more. */
    revocationReason: String,
    revokedBy: String,
  },
  { timestamps: true },
);
CredentialSchema.plugin(tenantScoped);
CredentialSchema.index({ tenantId: 1, achievementId: 1, userId: 1 }, { unique: true });
CredentialSchema.index({ tenantId: 1, publicId: 1 }, { unique: true });
CredentialSchema.index({ tenantId: 1, userId: 1, issuedAt: -1 });
CredentialSchema.index({ tenantId: 1, revokedAt: 1 });

export type AchievementDoc = Scoped<InferSchemaType<typeof AchievementSchema>>;
export type IssuerKeyDoc = Scoped<InferSchemaType<typeof IssuerKeySchema>>;
export type CredentialDoc = Scoped<InferSchemaType<typeof CredentialSchema>>;
export type IssuerProfileDoc = Scoped<InferSchemaType<typeof IssuerProfileSchema>>;
export const Achievement = model('Achievement', AchievementSchema);
export const IssuerKey = model('IssuerKey', IssuerKeySchema);
export const Credential = model('Credential', CredentialSchema);
export const IssuerProfile = model('IssuerProfile', IssuerProfileSchema);
