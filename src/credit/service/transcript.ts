import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { config } from '../../config';
import { TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import { sameSecret } from '../../secrets';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import type { CreditKind } from '../rules';
import { certificateRecord, creditRecordsOf, CreditRecordDoc } from './ledger';
import { Renewal, renewalOf } from './renewal';
import { creditKinds } from './types';

/** Everything a transcript shows: the person, their district, every completion with its credit, their renewal. */
export interface Transcript {
  person: users.UserDoc;
  district: string;
  kinds: CreditKind[];
  records: CreditRecordDoc[];
  renewal?: Renewal;
  issuedAt: Date;
  /** Path of the public page that confirms this transcript as issued. */
  verifyPath: string;
}

/** An HMAC over tenant, person and issue moment: printed on the PDF, checked by the public page, nothing stored (hex: a PDF line never breaks inside it). */
function seal(tenantId: TenantId, userId: Types.ObjectId, issued: number): string {
  return crypto.createHmac('sha256', config().secrets.linkKey).update(`transcript:${tenantId}:${userId}:${issued}`).digest('hex').slice(0, 24);
}

export function transcriptVerifyPath(tenantId: TenantId, userId: Types.ObjectId, issuedAt: Date): string {
  const issued = Math.floor(issuedAt.getTime() / 1000);
  return `/verify/${tenantId}/transcripts/${userId}/${issued}/${seal(tenantId, userId, issued)}`;
}

export async function transcriptOf(tenantId: TenantId, userId: Types.ObjectId, issuedAt = new Date()): Promise<Transcript> {
  const [person, tenant, kinds, records, renewal] = await Promise.all([users.getUser(tenantId, userId), tenants.getTenant(tenantId), creditKinds(tenantId), creditRecordsOf(tenantId, userId), renewalOf(tenantId, userId, issuedAt)]);
  return { person, district: tenant.name, kinds, records, ...(renewal ? { renewal } : {}), issuedAt, verifyPath: transcriptVerifyPath(tenantId, userId, issuedAt) };
}

/**
 * The public check of a printed transcript: the seal must match, and the page shows the transcript as it
 * stood when issued (completions recorded by then). A forged or altered link is "not found".
 */
export async function verifiedTranscript(params: { tenantId: string; userId: string; issued: string; seal: string }): Promise<Transcript> {
  const issued = Number(params.issued);
  const ok = Types.ObjectId.isValid(params.tenantId) && Types.ObjectId.isValid(params.userId) && /^\d{1,12}$/.test(params.issued) && /^[a-f0-9]{24}$/.test(params.seal);
  if (!ok) throw new NotFound('That transcript');
  const tenantId = new Types.ObjectId(params.tenantId);
  const userId = new Types.ObjectId(params.userId);
  if (!sameSecret(seal(tenantId, userId, issued), params.seal)) throw new NotFound('That transcript');
  const issuedAt = new Date(issued * 1000);
  const t = await transcriptOf(tenantId, userId, issuedAt).catch(() => {
    throw new NotFound('That transcript');
  });
  return { ...t, records: t.records.filter((r) => r.recordedAt.getTime() < issuedAt.getTime() + 1000) };
}

export interface Certificate {
  record: CreditRecordDoc;
  person: users.UserDoc;
  district: string;
  kinds: CreditKind[];
  verifyPath: string;
}

export const certificateVerifyPath = (r: Pick<CreditRecordDoc, 'tenantId' | 'certificateId'>) => `/verify/${r.tenantId}/certificates/${r.certificateId}`;

/** A certificate of completion for one record on a transcript. */
export async function certificateFor(record: CreditRecordDoc): Promise<Certificate> {
  const [person, tenant, kinds] = await Promise.all([users.getUser(record.tenantId, record.userId), tenants.getTenant(record.tenantId), creditKinds(record.tenantId)]);
  return { record, person, district: tenant.name, kinds, verifyPath: certificateVerifyPath(record) };
}

/** The public check of a certificate by the id printed on it. */
export async function verifiedCertificate(tenantId: string, certificateId: string): Promise<Certificate> {
  if (!Types.ObjectId.isValid(tenantId)) throw new NotFound('That certificate');
  return certificateFor(await certificateRecord(new Types.ObjectId(tenantId), certificateId));
}
