import crypto from 'node:crypto';
import { config } from '../config';
import { RegistrationInvite, RegistrationInviteDoc } from './model';
import { inviteState, InviteState } from './policy';

export type { RegistrationInviteDoc };

/** The path of a registration link; the LMS appends `openid_configuration` and `registration_token`. */
export const REGISTER_PATH = '/register';

export interface IssuedInvite {
  url: string;
  expiresAt: Date;
  note: string;
  issuer?: string;
}

export interface InviteRequest {
  hours?: number;
  note?: string;
  issuer?: string;
  issuedBy: string;
}

function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function inviteUrl(token: string): string {
  return `${config().publicUrl}${REGISTER_PATH}/${token}`;
}

/** Issues a single-use registration link that expires after `hours` (default: config registration.inviteHours). */
export async function issueInvite(req: InviteRequest): Promise<IssuedInvite> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + (req.hours ?? config().registration.inviteHours) * 3600_000);
  await RegistrationInvite.create({ tokenHash: hashToken(token), note: req.note ?? '', issuer: req.issuer, issuedBy: req.issuedBy, expiresAt });
  return { url: inviteUrl(token), expiresAt, note: req.note ?? '', issuer: req.issuer };
}

/** Reads an invite without changing it (the confirmation page). */
export function findInvite(token: string): Promise<RegistrationInviteDoc | null> {
  return RegistrationInvite.findOne({ tokenHash: hashToken(token) }).lean<RegistrationInviteDoc>().exec();
}

export function stateOf(invite: RegistrationInviteDoc | null): InviteState | 'unknown' {
  return invite ? inviteState(invite) : 'unknown';
}

/**
 * Marks the invite used, atomically: of two registrations racing with one link, exactly one gets it.
 * Returns the claimed invite, or null when it is unknown, used or expired.
 */
export function claimInvite(token: string): Promise<RegistrationInviteDoc | null> {
  const now = new Date();
  return RegistrationInvite.findOneAndUpdate(
    { tokenHash: hashToken(token), usedAt: null, expiresAt: { $gt: now } },
    { $set: { usedAt: now } },
    { new: true },
  )
    .lean<RegistrationInviteDoc>()
    .exec();
}

/** A registration that failed gives its link back, so the LMS admin can try again with it. */
export async function releaseInvite(invite: RegistrationInviteDoc): Promise<void> {
  await RegistrationInvite.updateOne({ _id: invite._id, usedAt: invite.usedAt, registered: null }, { $unset: { usedAt: 1 } });
}

export async function completeInvite(invite: RegistrationInviteDoc, tenant: { _id: RegistrationInviteDoc['_id']; issuer: string; clientId: string }): Promise<void> {
  await RegistrationInvite.updateOne(
    { _id: invite._id },
    { $set: { registered: { tenantId: tenant._id, issuer: tenant.issuer, clientId: tenant.clientId, at: new Date() } } },
  );
}

/** What the confirmation form carries, bound together so the POST registers exactly what the page showed. */
export interface RegistrationParams {
  openidConfiguration: string;
  registrationToken: string;
}

/** The confirmation form's CSRF token: an HMAC over the invite and the platform's two parameters. */
export function formToken(token: string, p: RegistrationParams): string {
  return crypto
    .createHmac('sha256', config().secrets.csrfKey)
    .update(['registration', hashToken(token), p.openidConfiguration, p.registrationToken].join('\n'))
    .digest('base64url');
}

export function formTokenValid(token: string, p: RegistrationParams, given: string): boolean {
  const expected = Buffer.from(formToken(token, p));
  const actual = Buffer.from(given);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}
