import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as credit from '../../credit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as users from '../../users/service';
import { OutsideRequest, OutsideRequestDoc } from '../model';
import { deleteFile, storeFile, UploadedFile } from './files';
import { getRequest, notifyTeacher, requestPath } from './requests';

type Id = Types.ObjectId;

/** After attending, the teacher uploads their certificate; PD staff are asked to verify it. */
export async function uploadProof(tenantId: TenantId, id: Id, file: UploadedFile | undefined, by: ChangedBy): Promise<OutsideRequestDoc> {
  const r = await getRequest(tenantId, id);
  if (r.status !== 'approved') throw new Conflict('Proof is uploaded once a request is approved and before it is verified; nothing was saved.');
  const proof = await storeFile(tenantId, r.userId, r._id, file, 'proof');
  const done = await OutsideRequest.findOneAndUpdate(
    scoped(tenantId, { _id: r._id, status: 'approved', rev: r.rev }),
    { $set: { status: 'proof-submitted', proof }, $push: { history: { by: by.userId, byName: by.name, action: 'proof-sent', comment: proof.filename, at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
  if (!done) {
    await deleteFile(proof.fileId);
    throw new Conflict('This request changed at the same moment; nothing was saved.');
  }
  for (const u of await users.listPdStaff(tenantId)) {
    await notices.notify(tenantId, { userId: u._id, kind: 'request.proof', title: `${r.userName} sent proof of attending ${r.title.slice(0, 100)}`, link: requestPath(r), dedupeKey: `request.proof:${r._id}:${done.rev}:${u._id}` });
  }
  return done;
}

const ProofDecision = z
  .object({ decision: z.enum(['verify', 'reject'], 'Choose verify or reject'), reason: z.string().trim().max(1000, 'Keep it under 1000 characters').default('') })
  .superRefine((d, ctx) => {
    if (d.decision === 'reject' && !d.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say what is wrong, so the teacher can send the right proof' });
  });

/** The credit the teacher asked for, converted from the hours, on the transcript under the plan activity's key. */
async function grantCredit(r: OutsideRequestDoc): Promise<void> {
  const kinds = await credit.creditKinds(r.tenantId);
  const key = plans.creditKey(r.planId, { _id: r.planActivityId! });
  await credit.recordCompletion(r.tenantId, { userId: r.userId, key, title: r.title, hours: r.hours, completedAt: r.endsOn, source: 'outside-pd', provider: r.provider, kind: r.kind, categories: [r.kind], awards: credit.creditEarned(r.hours, [{ typeKey: r.creditType }], kinds) });
  await plans.completeApprovedActivity(r.tenantId, r.planId, r.goalId, r.planActivityId!, r.endsOn);
}

/**
 * PD staff verify the proof (credit is granted once: only the decision that moves the request to
 * verified records it, under the plan activity's ledger key) or reject it with a reason.
 */
export async function decideProof(tenantId: TenantId, id: Id, raw: unknown, by: ChangedBy): Promise<OutsideRequestDoc> {
  const parsed = ProofDecision.safeParse(raw);
  if (!parsed.success) throw new Invalid('The decision needs attention; nothing was changed.', fieldErrors(parsed.error));
  const { decision, reason: comment } = parsed.data;
  const r = await getRequest(tenantId, id);
  const verify = decision === 'verify';
  const done = await OutsideRequest.findOneAndUpdate(
    scoped(tenantId, { _id: r._id, status: 'proof-submitted', rev: r.rev }),
    { $set: { status: verify ? 'verified' : 'approved' }, $push: { history: { by: by.userId, byName: by.name, action: verify ? 'proof-verified' : 'proof-rejected', comment, at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
  if (!done) throw new Conflict('This proof was already decided, or is not waiting for a decision; nothing was changed.');
  if (verify) await grantCredit(done);
  await audit.record(tenantId, { actor: by, action: `request.proof-${verify ? 'verified' : 'rejected'}`, subject: { kind: 'outside-request', id: r._id }, after: { title: r.title, ...(comment ? { comment } : {}) } });
  if (verify) await notifyTeacher(done, 'request.verified', `Your attendance is verified: ${done.title.slice(0, 100)}`, 'The credit is on your transcript.');
  else await notifyTeacher(done, 'request.proof-rejected', `Your proof for ${done.title.slice(0, 100)} needs another look`, comment);
  return done;
}
