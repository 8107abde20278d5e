import { SignJWT, jwtVerify } from 'jose';
import { Types } from 'mongoose';
import { config } from '../config';
import { AppError } from '../kernel/errors';

/**
 * Pages that open top-level, outside the LMS frame (the print view): there the frame's session cookie
 * is not sent (it is partitioned under the LMS's site, or blocked), so the ltik alone would not do and
 * must not travel into a new window's history. Instead the framed page, already authorised, signs a
 * ticket that names the tenant, the person and the one page it opens, valid for a few minutes. It is
 * redacted from logs (src/log.ts) and never sent on as a Referer (Referrer-Policy: no-referrer).
 */
const TICKET_MINUTES = 15;
const AUDIENCE = 'pd-pathways:top-level';

export interface TopLevelTicket {
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  /** The page it opens, e.g. 'record-print'. */
  purpose: string;
}

export class TicketExpired extends AppError {
  constructor() {
    super(401, 'This link has expired', 'Links that open outside your LMS work for a few minutes only. Go back to PD Pathways in your LMS and open it again.');
  }
}

export function signTicket(ticket: TopLevelTicket): Promise<string> {
  return new SignJWT({ t: String(ticket.tenantId), p: ticket.purpose })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(ticket.userId))
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${TICKET_MINUTES}m`)
    .sign(config().secrets.linkKey);
}

/** The ticket's tenant and person when it is genuine, unexpired and for this page; else TicketExpired. */
export async function readTicket(raw: unknown, purpose: string): Promise<TopLevelTicket> {
  if (typeof raw !== 'string' || raw.length > 1000) throw new TicketExpired();
  try {
    const { payload } = await jwtVerify(raw, config().secrets.linkKey, { audience: AUDIENCE, algorithms: ['HS256'] });
    const { t, p, sub } = payload as { t?: unknown; p?: unknown; sub?: unknown };
    if (p !== purpose || typeof t !== 'string' || typeof sub !== 'string' || !Types.ObjectId.isValid(t) || !Types.ObjectId.isValid(sub)) throw new TicketExpired();
    return { tenantId: new Types.ObjectId(t), userId: new Types.ObjectId(sub), purpose };
  } catch {
    throw new TicketExpired();
  }
}
