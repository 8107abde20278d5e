/** What a registration link allows: nothing once used or expired, and only its issuer when it names one. */
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

/** A platform may register through the link while it is unused and unexpired, and is the issuer it names (if any). */
export function canRegisterWith(invite: InviteFacts, issuer: string, now = new Date()): boolean {
  return inviteState(invite, now) === 'usable' && (!invite.issuer || invite.issuer === issuer);
}
