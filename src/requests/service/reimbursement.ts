import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as users from '../../users/service';
import { money } from '../../web/format';
import { OutsideRequest, OutsideRequestDoc } from '../model';
import { reimbursedAmount } from '../rules';
import { listBudgets, settleMoney } from './budgets';
import { deleteFile, storeFile, StoredFile, UploadedFile } from './files';
import { getRequest, notifyTeacher, requestPath } from './requests';

type Id = Types.ObjectId;
export const MAX_RECEIPTS = 5;
const CLAIMABLE = ['approved', 'proof-submitted', 'verified'];

const amountField = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number('Enter the amount as a number').min(0, 'Cannot be negative').max(100_000, 'At most 100,000'));

/** The teacher claims what they spent, with receipts; PD staff are asked to decide. */
export async function claimReimbursement(tenantId: TenantId, id: Id, raw: unknown, files: UploadedFile[], by: ChangedBy): Promise<OutsideRequestDoc> {
  const parsed = z.object({ claimed: amountField }).safeParse(raw);
  if (!parsed.success) throw new Invalid('The claim needs attention; nothing was sent.', fieldErrors(parsed.error));
  if (!files.length) throw new Invalid('The claim needs attention; nothing was sent.', { receipts: 'Attach at least one receipt' });
  if (files.length > MAX_RECEIPTS) throw new Invalid('The claim needs attention; nothing was sent.', { receipts: `At most ${MAX_RECEIPTS} receipts` });
  const r = await getRequest(tenantId, id);
  if (!CLAIMABLE.includes(r.status) || r.committed <= 0 || r.reimbursement?.status !== 'none') throw new Conflict('This request cannot be claimed now (not approved with money, or claimed already); nothing was sent.');
  const receipts: StoredFile[] = [];
  try {
    for (const f of files) receipts.push(await storeFile(tenantId, r.userId, r._id, f, 'receipts'));
  } catch (err) {
    await Promise.all(receipts.map((s) => deleteFile(s.fileId)));
    throw err;
  }
  const done = await OutsideRequest.findOneAndUpdate(
    scoped(tenantId, { _id: r._id, 'reimbursement.status': 'none', rev: r.rev }),
    { $set: { 'reimbursement.status': 'claimed', 'reimbursement.claimed': parsed.data.claimed, 'reimbursement.receipts': receipts }, $push: { history: { by: by.userId, byName: by.name, action: 'reimbursement-claimed', comment: money(parsed.data.claimed), at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
  if (!done) {
    await Promise.all(receipts.map((s) => deleteFile(s.fileId)));
    throw new Conflict('This request changed at the same moment; nothing was sent.');
  }
  for (const u of await users.listPdStaff(tenantId)) {
    await notices.notify(tenantId, { userId: u._id, kind: 'request.claimed', title: `${r.userName} claims ${money(parsed.data.claimed)} for ${r.title.slice(0, 100)}`, link: requestPath(r), dedupeKey: `request.claimed:${r._id}:${u._id}` });
  }
  return done;
}

const ReimbursementDecision = z
  .object({ decision: z.enum(['approve', 'adjust', 'decline'], 'Choose approve, adjust or decline'), amount: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number('Enter the amount as a number').optional()), note: z.string().trim().max(1000, 'Keep it under 1000 characters').default('') })
  .superRefine((d, ctx) => {
    if (d.decision !== 'approve' && !d.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'Say why, so the teacher knows' });
  });

/** PD staff pay the claim as it is, adjusted (up to the approved cost), or not; the budget's committed money becomes paid, the rest is freed. */
export async function decideReimbursement(tenantId: TenantId, id: Id, raw: unknown, by: ChangedBy): Promise<OutsideRequestDoc> {
  const parsed = ReimbursementDecision.safeParse(raw);
  if (!parsed.success) throw new Invalid('The decision needs attention; nothing was changed.', fieldErrors(parsed.error));
  const { decision, note: comment } = parsed.data;
  const r = await getRequest(tenantId, id);
  if (r.reimbursement?.status !== 'claimed') throw new Conflict('This claim was already decided; nothing was changed.');
  const amount = reimbursedAmount(decision, r.reimbursement.claimed ?? 0, r.committed, parsed.data.amount);
  if (typeof amount === 'string') throw new Invalid('The decision needs attention; nothing was changed.', { amount });
  const status = decision === 'decline' ? 'declined' : 'approved';
  const done = await OutsideRequest.findOneAndUpdate(
    scoped(tenantId, { _id: r._id, 'reimbursement.status': 'claimed', rev: r.rev }),
    { $set: { 'reimbursement.status': status, 'reimbursement.approved': amount, 'reimbursement.comment': comment, 'reimbursement.decidedAt': new Date() }, $push: { history: { by: by.userId, byName: by.name, action: `reimbursement-${decision === 'adjust' ? 'adjusted' : status}`, comment: [money(amount), comment].filter(Boolean).join(': '), at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
  if (!done) throw new Conflict('This claim was decided by someone else at the same moment; nothing was changed.');
  if (r.budgetId) await settleMoney(tenantId, r.budgetId, r.committed, amount);
  await audit.record(tenantId, { actor: by, action: `request.reimbursement-${decision}`, subject: { kind: 'outside-request', id: r._id }, after: { claimed: r.reimbursement.claimed, approved: amount } });
  const title = status === 'approved' ? `Your reimbursement of ${money(amount)} is approved: ${r.title.slice(0, 100)}` : `Your reimbursement claim was declined: ${r.title.slice(0, 100)}`;
  await notifyTeacher(done, status === 'approved' ? 'request.reimbursed' : 'request.reimbursement-declined', title, comment);
  return done;
}

export interface FinanceRow {
  requestId: string;
  teacher: string;
  email: string;
  title: string;
  provider: string;
  fundingSource: string;
  schoolYear: string;
  approvedCost: number;
  claimed: number;
  paid: number;
  decidedOn: string;
}

/** Reimbursements approved for payment, for the finance system (oldest decision first). */
export async function financeRows(tenantId: TenantId): Promise<FinanceRow[]> {
  const docs = await OutsideRequest.find(scoped(tenantId, { 'reimbursement.status': 'approved' })).sort({ 'reimbursement.decidedAt': 1 }).lean<OutsideRequestDoc[]>();
  const budgets = new Map((await listBudgets(tenantId)).map((b) => [String(b._id), b]));
  const people = new Map((await users.listUsers(tenantId, { ids: docs.map((d) => d.userId) })).map((u) => [String(u._id), u]));
  return docs.map((d) => {
    const b = d.budgetId ? budgets.get(String(d.budgetId)) : undefined;
    return {
      requestId: String(d._id), teacher: d.userName, email: people.get(String(d.userId))?.aliases?.email ?? '', title: d.title, provider: d.provider,
      fundingSource: b?.name ?? '', schoolYear: b?.schoolYear ?? '', approvedCost: d.total, claimed: d.reimbursement?.claimed ?? 0, paid: d.reimbursement?.approved ?? 0,
      decidedOn: d.reimbursement?.decidedAt?.toISOString().slice(0, 10) ?? '',
    };
  });
}
