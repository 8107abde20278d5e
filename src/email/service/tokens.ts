import { SignJWT, jwtVerify } from 'jose';
import { Types } from 'mongoose';
import { config } from '../../config';
import { EmailKind, isEmailKind } from '../rules';

/**
 * The unsubscribe link of an email: a signed token naming the tenant, the person and the one kind of
 * email it turns off, valid for `email.unsubscribeDays`. It carries no session and opens nothing else.
 */
const AUDIENCE = 'pd-pathways:unsubscribe';

export interface Unsubscribe {
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  kind: EmailKind;
}

export function signUnsubscribe(u: Unsubscribe): Promise<string> {
  return new SignJWT({ t: String(u.tenantId), k: u.kind })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(u.userId))
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${config().email.unsubscribeDays}d`)
    .sign(config().secrets.emailKey);
}

/** What a genuine, unexpired token says; undefined for anything else (tampered, expired, another purpose). */
export async function readUnsubscribe(raw: unknown): Promise<Unsubscribe | undefined> {
  if (typeof raw !== 'string' || raw.length > 1000) return undefined;
  try {
    const { payload } = await jwtVerify(raw, config().secrets.emailKey, { audience: AUDIENCE, algorithms: ['HS256'] });
    const { t, k, sub } = payload as { t?: unknown; k?: unknown; sub?: unknown };
    if (typeof t !== 'string' || typeof sub !== 'string' || !Types.ObjectId.isValid(t) || !Types.ObjectId.isValid(sub) || !isEmailKind(k)) return undefined;
    return { tenantId: new Types.ObjectId(t), userId: new Types.ObjectId(sub), kind: k };
  } catch {
    return undefined;
  }
}
