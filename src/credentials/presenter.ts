import type { JWK } from 'jose';
import { Types } from 'mongoose';
import { config } from '../config';
import { AchievementDoc, CredentialDoc, IssuerKeyDoc } from './model';
import { isoDate } from '../web/format';
import { linkedInUrl, walletDeepLink } from './sharing';

type Id = Types.ObjectId | string;

export const OB3_CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'];
export const OB2_CONTEXT = 'https://w3id.org/openbadges/v2';

/** Every public URL of a tenant's badges: stable, absolute (from PUBLIC_URL), served without an LTI session. */
export function obUrls(tenantId: Id) {
  const base = `${config().publicUrl}/ob/${tenantId}`;
  return {
    base,
    issuer: `${base}/issuer`,
    jwks: `${base}/jwks`,
    key: (keyId: string) => `${base}/keys/${keyId}`,
    revocations: `${base}/revocations`,
    did: `${base}/did.json`,
    statusList: `${base}/status/1`,
    achievement: (id: Id) => `${base}/achievements/${id}`,
    criteria: (id: Id) => `${base}/achievements/${id}/criteria`,
    image: (id: Id) => `${base}/achievements/${id}/image`,
    imagePng: (id: Id) => `${base}/achievements/${id}/image.png`,
    /** The verify page, also the credential's id: JSON when asked for JSON. */
    credential: (publicId: string) => `${base}/credentials/${publicId}`,
    credentialJson: (publicId: string) => `${base}/credentials/${publicId}/credential.json`,
    credentialJwt: (publicId: string) => `${base}/credentials/${publicId}/credential.jwt`,
    /** QR codes of the verify page and of the wallet offer; the URL wallets request the credential from. */
    qr: (publicId: string) => `${base}/credentials/${publicId}/qr.png`,
    walletQr: (publicId: string) => `${base}/credentials/${publicId}/wallet-qr.png`,
    exchange: (publicId: string) => `${base}/credentials/${publicId}/exchange`,
    ob2Issuer: `${base}/v2/issuer`,
    ob2Badge: (id: Id) => `${base}/v2/badges/${id}`,
    ob2Assertion: (publicId: string) => `${base}/v2/assertions/${publicId}`,
    ob2Revocations: `${base}/v2/revocations`,
  };
}

export interface IssuerFacts {
  tenantId: Types.ObjectId;
  name: string;
  url: string;
  email: string;
  /** The district's LinkedIn company page id, when PD staff gave one. */
  linkedInId?: string;
}

export interface Competency {
  code: string;
  name: string;
}

/** validFrom and nbf must name the same instant: whole seconds. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The issuer profile as served at its own URL: a JSON-LD document needs its context. */
export function ob3IssuerDocument(issuer: IssuerFacts) {
  return { '@context': OB3_CONTEXT, ...ob3Issuer(issuer) };
}

export function ob3Issuer(issuer: IssuerFacts) {
  return { id: obUrls(issuer.tenantId).issuer, type: ['Profile'], name: issuer.name, url: issuer.url, ...(issuer.email ? { email: issuer.email } : {}) };
}

export function ob3Achievement(a: AchievementDoc, competencies: Competency[]) {
  const u = obUrls(a.tenantId);
  return {
    id: u.achievement(a._id),
    type: ['Achievement'],
    name: a.name,
    description: a.description,
    criteria: { id: u.criteria(a._id), narrative: a.criteria },
    image: { id: u.image(a._id), type: 'Image', caption: a.name },
    ...(a.tags.length ? { tag: a.tags } : {}),
    ...(competencies.length
      ? { alignment: competencies.map((c) => ({ type: ['Alignment'], targetName: c.name, targetCode: c.code, targetType: 'ceasn:Competency', targetUrl: `${u.criteria(a._id)}#competency-${c.code}` })) }
      : {}),
  };
}

export interface Recipient {
  /** urn:uuid: of the person within the tenant (the JWT `sub`). */
  subjectId: string;
  salt: string;
  emailHash?: string;
}

export interface Evidence {
  name?: string | null;
  narrative?: string | null;
  url?: string | null;
}

/** The OpenBadgeCredential (OB 3.0, VC Data Model 2.0) before signing. */
export function ob3Credential(c: { publicId: string; issuedAt: Date; recipient: Recipient; evidence: Evidence[] }, achievement: ReturnType<typeof ob3Achievement>, issuer: IssuerFacts) {
  const u = obUrls(issuer.tenantId);
  return {
    '@context': OB3_CONTEXT,
    id: u.credential(c.publicId),
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: ob3Issuer(issuer),
    validFrom: isoSeconds(c.issuedAt),
    name: achievement.name,
    credentialSubject: {
      id: c.recipient.subjectId,
      type: ['AchievementSubject'],
      ...(c.recipient.emailHash
        ? { identifier: [{ type: 'IdentityObject', identityHash: c.recipient.emailHash, identityType: 'emailAddress', hashed: true, salt: c.recipient.salt }] }
        : {}),
      achievement,
    },
    ...(c.evidence.length
      ? { evidence: c.evidence.map((e) => ({ ...(e.url ? { id: e.url } : {}), type: ['Evidence'], ...(e.name ? { name: e.name } : {}), ...(e.narrative ? { narrative: e.narrative } : {}) })) }
      : {}),
    credentialStatus: { id: u.revocations, type: '1EdTechRevocationList' },
  };
}

export type Ob3Credential = ReturnType<typeof ob3Credential>;

/** OB 3.0 §8.2: the payload is the credential itself plus iss, jti, nbf, sub (no `vc` wrapper). */
export function jwtClaims(credential: Ob3Credential): Ob3Credential & { iss: string; jti: string; nbf: number; sub: string } {
  return {
    ...credential,
    iss: credential.issuer.id,
    jti: credential.id,
    nbf: Math.floor(Date.parse(credential.validFrom) / 1000),
    sub: credential.credentialSubject.id,
  };
}

/**
 * A published key with the window it signs in: `nbf` from its creation, `exp` from its retirement, as
 * JWT NumericDates (extra JWK members, which RFC 7517 §4 tells verifiers to ignore if not understood).
 */
export function publishedJwk(k: IssuerKeyDoc): JWK & { nbf: number; exp?: number } {
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  return { ...(k.publicJwk as JWK), nbf: seconds(k.createdAt), ...(k.retiredAt ? { exp: seconds(k.retiredAt) } : {}) };
}

export function publicJwks(keys: IssuerKeyDoc[]) {
  return { keys: keys.map(publishedJwk) };
}

/** OB 3.0 status of VC-JWT credentials: revoked ids only; the reason is for the holder and PD staff. */
export function ob3RevocationList(tenantId: Id, revoked: CredentialDoc[]) {
  const u = obUrls(tenantId);
  return { id: u.revocations, type: '1EdTechRevocationList', issuer: u.issuer, revokedCredentials: revoked.map((c) => ({ id: u.credential(c.publicId) })) };
}

export function ob2Issuer(issuer: IssuerFacts) {
  const u = obUrls(issuer.tenantId);
  return { '@context': OB2_CONTEXT, type: 'Issuer', id: u.ob2Issuer, name: issuer.name, url: issuer.url, email: issuer.email, revocationList: u.ob2Revocations };
}

export function ob2BadgeClass(a: AchievementDoc, competencies: Competency[]) {
  const u = obUrls(a.tenantId);
  return {
    '@context': OB2_CONTEXT,
    type: 'BadgeClass',
    id: u.ob2Badge(a._id),
    name: a.name,
    description: a.description,
    image: u.image(a._id),
    criteria: { id: u.criteria(a._id), narrative: a.criteria },
    issuer: u.ob2Issuer,
    tags: a.tags,
    alignment: competencies.map((c) => ({ targetName: c.name, targetCode: c.code, targetUrl: `${u.criteria(a._id)}#competency-${c.code}` })),
  };
}

/** The hosted assertion; a revoked one keeps only what a verifier needs to know it is revoked. */
export function ob2Assertion(c: CredentialDoc) {
  const u = obUrls(c.tenantId);
  const id = u.ob2Assertion(c.publicId);
  if (c.revokedAt) return { '@context': OB2_CONTEXT, type: 'Assertion', id, revoked: true };
  return {
    '@context': OB2_CONTEXT,
    type: 'Assertion',
    id,
    recipient: c.emailHash ? { type: 'email', hashed: true, salt: c.salt, identity: c.emailHash } : { type: 'url', hashed: false, identity: u.credential(c.publicId) },
    badge: u.ob2Badge(c.achievementId),
    verification: { type: 'hosted' },
    issuedOn: c.issuedAt.toISOString(),
    evidence: c.evidence.map((e) => ({ id: e.url ?? u.credential(c.publicId), name: e.name, narrative: e.narrative })),
  };
}

export function ob2RevocationList(tenantId: Id, revoked: CredentialDoc[]) {
  const u = obUrls(tenantId);
  return {
    '@context': OB2_CONTEXT,
    type: 'RevocationList',
    id: u.ob2Revocations,
    issuer: u.ob2Issuer,
    revokedAssertions: revoked.map((c) => ({ id: u.ob2Assertion(c.publicId) })),
  };
}

/** An achievement in lists and on its pages; its competencies by name (`names`: code → name). */
export function achievementRow(a: AchievementDoc, issued: number, names: Map<string, string>) {
  return { id: String(a._id), name: a.name, description: a.description, status: a.status, tags: a.tags.join(', '), competencies: a.competencies.map((c) => names.get(c) ?? c).join(', '), issued, image: obUrls(a.tenantId).image(a._id) };
}

export interface AchievementFormValues {
  name: string;
  description: string;
  criteria: string;
  color: string;
  tags: string;
  competencies: string[];
  activityIds: string[];
}

export function valuesFromAchievement(a: AchievementDoc, activityIds: string[]): AchievementFormValues {
  return { name: a.name, description: a.description, criteria: a.criteria, color: a.color, tags: a.tags.join(', '), competencies: a.competencies, activityIds };
}

export const EMPTY_ACHIEVEMENT: AchievementFormValues = { name: '', description: '', criteria: '', color: '#1f5f8b', tags: '', competencies: [], activityIds: [] };

/** The first sentence or so of a text, for a card (the page behind it has the whole). */
export function summary(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).replace(/[\s,;:.–-]+$/, '')}…`;
}

/**
 * A badge on the teacher's wall: what it is, who issued it and when, and every way to share it —
 * each leads to the public verify page, which names the holder only if they chose to show their name.
 */
export function badgeCard(c: CredentialDoc, a: AchievementDoc | undefined, issuer: Pick<IssuerFacts, 'name' | 'linkedInId'>) {
  const u = obUrls(c.tenantId);
  const name = a?.name ?? 'Badge';
  const verifyUrl = u.credential(c.publicId);
  return {
    id: String(c._id),
    name,
    issuer: issuer.name,
    criteria: summary(a?.criteria ?? ''),
    image: u.image(c.achievementId),
    issued: isoDate(c.issuedAt),
    revoked: !!c.revokedAt,
    revocationReason: c.revocationReason ?? '',
    nameShared: !!c.nameShared,
    shareUrl: verifyUrl,
    qrUrl: u.qr(c.publicId),
    walletQrUrl: u.walletQr(c.publicId),
    walletLink: walletDeepLink({ issuer: config().publicUrl, requestUrl: u.exchange(c.publicId), challenge: c.publicId }),
    linkedInUrl: linkedInUrl({ name, organizationName: issuer.name, organizationId: issuer.linkedInId, issuedAt: c.issuedAt, certUrl: verifyUrl, certId: c.publicId }),
    downloadPath: `/badges/${c._id}/credential.json`,
    jsonUrl: u.credentialJson(c.publicId),
    jwtUrl: u.credentialJwt(c.publicId),
    ob2Url: u.ob2Assertion(c.publicId),
  };
}

/** An achievement on the issuer's public showcase: what it is, how it is earned, how often it was awarded. */
export function showcaseCard(a: AchievementDoc, issuer: Pick<IssuerFacts, 'name'>, awarded: number) {
  const u = obUrls(a.tenantId);
  return { id: String(a._id), name: a.name, issuer: issuer.name, image: u.image(a._id), since: isoDate(a.createdAt), description: summary(a.description), criteria: summary(a.criteria), awarded, criteriaUrl: u.criteria(a._id) };
}

export function issuedRow(c: CredentialDoc, recipient: string) {
  return { id: String(c._id), recipient, issued: isoDate(c.issuedAt), revoked: !!c.revokedAt, revokedOn: isoDate(c.revokedAt), reason: c.revocationReason ?? '', verifyUrl: obUrls(c.tenantId).credential(c.publicId) };
}

export function keyRow(k: IssuerKeyDoc) {
  return { kid: obUrls(k.tenantId).key(k.keyId), alg: k.alg, status: k.status, created: isoDate(k.createdAt), retired: isoDate(k.retiredAt), published: k.status !== 'compromised' };
}

export interface SignatureCheck {
  valid: boolean;
  detail: string;
}

/**
 * The public verify page: a person can read it; machines get the same facts as JSON and JWT. The holder's
 * name only when they chose to share it; a revocation without its reason.
 */
export function verifyPage(c: CredentialDoc, a: AchievementDoc, issuer: IssuerFacts, checks: { check: SignatureCheck; integrity?: { valid: boolean; findings: string[] } }, competencies: Competency[]) {
  const { check, integrity } = checks;
  const u = obUrls(c.tenantId);
  const recipient = c.nameShared ? c.recipientName : '';
  return {
    title: recipient ? `${a.name} · ${recipient}` : a.name,
    name: a.name,
    description: a.description,
    criteria: a.criteria,
    competencies,
    image: u.image(a._id),
    recipient,
    issuer: issuer.name,
    issuerUrl: issuer.url,
    showcaseUrl: u.issuer,
    /** Link previews (Open Graph): what LinkedIn or a chat app shows when the link is posted. */
    og: { title: a.name, description: `${recipient ? `Awarded to ${recipient}` : 'Awarded'} by ${issuer.name}. ${summary(a.description, 200)}`, image: u.imagePng(a._id), url: u.credential(c.publicId) },
    issued: isoDate(c.issuedAt),
    revoked: !!c.revokedAt,
    revokedOn: isoDate(c.revokedAt),
    evidence: c.evidence.map((e) => ({ name: e.name ?? '', narrative: e.narrative ?? '' })),
    check,
    integrity,
    didUrl: u.did,
    statusListUrl: u.statusList,
    jsonUrl: u.credentialJson(c.publicId),
    jwtUrl: u.credentialJwt(c.publicId),
    ob2Url: u.ob2Assertion(c.publicId),
    jwksUrl: u.jwks,
  };
}

/** The achievement form: values, field errors, and the choices it offers. */
export function achievementForm(values: AchievementFormValues, errors: Record<string, string>, choices: { competencies: Competency[]; activities: { _id: unknown; title: string }[]; hasImage: boolean }) {
  return {
    values,
    errors,
    competencies: choices.competencies.map((c) => ({ ...c, checked: values.competencies.includes(c.code) })),
    activities: choices.activities.map((a) => ({ id: String(a._id), title: a.title, checked: values.activityIds.includes(String(a._id)) })),
    hasImage: choices.hasImage,
  };
}

/** What the form sent, to show again after a mistake. */
export function valuesFromForm(body: Record<string, unknown>): AchievementFormValues {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    name: text(body.name),
    description: text(body.description),
    criteria: text(body.criteria),
    color: text(body.color) || '#1f5f8b',
    tags: text(body.tags),
    competencies: list(body.competencies).map((c) => c.toUpperCase()),
    activityIds: list(body.activityIds),
  };
}
