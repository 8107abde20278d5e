/** A registration link allows nothing once used or expired, and only its issuer when it names one. */
export interface InviteFacts {
  expiresAt: Date;
  usedAt?: Date | null;
  issuer?: string | null;
}

export type InviteState = 'usable' | 'used' | 'expired';

export function inviteState(invite: InviteFacts, now = new Date()): InviteState {
  if (invite.usedAt) return 'used';
  if (invite.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'usable';
}

/** A link that names an issuer registers that platform only; one that names none, any platform. */
export function linkAllowsIssuer(invite: InviteFacts, issuer: string): boolean {
  return !invite.issuer || invite.issuer === issuer;
}
