import { Readable } from 'node:stream';
import mongoose, { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import { config } from '../../config';
import { TenantId } from '../../db/tenancy';
import { Conflict, Invalid, NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import type { EvidenceDoc, PlanDoc } from '../model';
import { completeMatching, PROGRESS_OPEN, recompute, requireStatus, sameActivity } from '../rules';
import { announceProgress } from './announcements';
import { blank, ChangedBy, checkbox, Id, mutatePlan, parse, trimmed } from './common';
import { findGoal, findPlanActivity, getPlan } from './reading';

// ---------------------------------------------------------------------------------------------
// Evidence and certificates (files in GridFS through the mongoose connection)

export const EVIDENCE_TYPES: Record<string, { ext: string[]; magic: (b: Buffer) => boolean; label: string }> = {
  'application/pdf': { ext: ['.pdf'], magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-', label: 'PDF' },
  'image/png': { ext: ['.png'], magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), label: 'PNG' },
  'image/jpeg': { ext: ['.jpg', '.jpeg'], magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, label: 'JPEG' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { ext: ['.docx'], magic: (b) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])), label: 'Word (.docx)' },
};

export function evidenceMaxBytes(): number {
  return config().evidence.maxFileMb * 1024 * 1024;
}

export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

const EvidenceFields = z.object({
  url: z.preprocess((v) => blank(trimmed(v)), z.url({ protocol: /^https?$/, error: 'Enter a link starting with https:// or http://' }).max(2000, 'Keep the link under 2000 characters').optional()),
  note: z.string().trim().max(1000, 'Keep the note under 1000 characters').default(''),
  isCertificate: checkbox.default(false),
});

/** The file's type when both its name and its first bytes say it is one of these (a certificate, a receipt); else Invalid. */
export function acceptedFileType(file: UploadedFile, types: readonly string[] = Object.keys(EVIDENCE_TYPES), field = 'file'): string {
  const name = file.originalname.toLowerCase();
  const type = types.find((t) => EVIDENCE_TYPES[t]!.ext.some((e) => name.endsWith(e)) && EVIDENCE_TYPES[t]!.magic(file.buffer));
  if (!type) throw new Invalid('That file type is not accepted; nothing was saved.', { [field]: `Upload a ${types.map((t) => EVIDENCE_TYPES[t]!.label).join(', ')} file` });
  return type;
}

const fileType = (file: UploadedFile) => acceptedFileType(file);

export function bucket() {
  return new mongoose.mongo.GridFSBucket(mongoose.connection.db!, { bucketName: 'evidence' });
}

async function storeFile(plan: PlanDoc, file: UploadedFile, contentType: string): Promise<Id> {
  const id = new Types.ObjectId();
  const upload = bucket().openUploadStreamWithId(id, file.originalname.slice(0, 200), { metadata: { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, contentType } });
  await new Promise<void>((resolve, reject) => {
    Readable.from([file.buffer]).pipe(upload).on('finish', () => resolve()).on('error', reject);
  });
  return id;
}

/** Adds a file or a link as evidence of an activity; a certificate can then be verified by an approver. */
export async function addEvidence(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, raw: unknown, file: UploadedFile | undefined, by: ChangedBy): Promise<EvidenceDoc> {
  const input = parse(EvidenceFields, raw, 'evidence');
  if (!file && !input.url) throw new Invalid('Choose a file or enter a link; nothing was saved.', { file: 'Choose a file to upload, or enter a link below' });
  if (file && file.size > evidenceMaxBytes()) throw new Invalid('The file is too large; nothing was saved.', { file: `Files can be at most ${config().evidence.maxFileMb} MB` });
  const contentType = file ? fileType(file) : undefined;
  const plan = await getPlan(tenantId, planId);
  requireStatus(plan, PROGRESS_OPEN, 'add evidence');
  findPlanActivity(findGoal(plan, goalId), planActivityId);
  const fileId = file && contentType ? await storeFile(plan, file, contentType) : undefined;
  const evidence = {
    _id: new Types.ObjectId(),
    kind: file ? 'file' : 'link',
    ...(file ? { fileId, filename: file.originalname.slice(0, 200), contentType, size: file.size } : { url: input.url }),
    note: input.note,
    isCertificate: input.isCertificate,
    status: 'submitted',
    addedAt: new Date(),
  } as EvidenceDoc;
  try {
    await mutatePlan(tenantId, planId, (p) => {
      requireStatus(p, PROGRESS_OPEN, 'add evidence');
      findPlanActivity(findGoal(p, goalId), planActivityId).evidence.push(evidence);
    });
  } catch (err) {
    if (fileId) await bucket().delete(fileId);
    throw err;
  }
  await audit.record(tenantId, { actor: by, action: 'evidence.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), kind: evidence.kind, certificate: evidence.isCertificate } });
  return evidence;
}

const EvidenceDecision = z
  .object({ decision: z.enum(['verify', 'reject'], 'Choose verify or reject'), reason: z.string().trim().max(1000, 'Keep the reason under 1000 characters').default('') })
  .superRefine((d, ctx) => {
    if (d.decision === 'reject' && !d.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say why the evidence is rejected, so the teacher can fix it' });
  });

/** An approver verifies evidence (the activity then counts as done) or rejects it with a reason. */
export async function decideEvidence(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, evidenceId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const input = parse(EvidenceDecision, raw, 'decision');
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    const evidence = activity.evidence.find((e) => e._id.equals(evidenceId));
    if (!evidence) throw new NotFound('That evidence');
    if (evidence.status !== 'submitted') throw new Conflict(`This evidence was already ${evidence.status}.`);
    Object.assign(evidence, { status: input.decision === 'verify' ? 'verified' : 'rejected', decidedBy: by.userId, decidedByName: by.name, decidedAt: new Date(), ...(input.reason ? { rejectionReason: input.reason } : {}) });
    if (input.decision !== 'verify') return { ...recompute(p, [goal._id], false), completedActivities: [], activity };
    const { recomputed, activities } = completeMatching(p, sameActivity(activity), { completedAt: new Date(), source: 'evidence', certified: true });
    return { ...recomputed, completedActivities: activities, activity };
  });
  await audit.record(tenantId, { actor: by, action: input.decision === 'verify' ? 'evidence.verified' : 'evidence.rejected', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), activity: result.activity.title } });
  await notices.notify(tenantId, {
    userId: plan.userId,
    kind: `evidence.${input.decision}`,
    title: input.decision === 'verify' ? `Your evidence for “${result.activity.title}” was verified` : `Your evidence for “${result.activity.title}” needs another look`,
    body: input.decision === 'verify' ? 'The activity now counts as done.' : input.reason,
    link: `/plans/${planId}/goals/${goalId}`,
  });
  await announceProgress(plan, result, 'evidence');
}

/** The stored file of an evidence item, as a stream with its name and type. */
export function openEvidenceFile(evidence: EvidenceDoc): { stream: NodeJS.ReadableStream; filename: string; contentType: string } {
  if (evidence.kind !== 'file' || !evidence.fileId) throw new NotFound('That file');
  return { stream: bucket().openDownloadStream(evidence.fileId), filename: evidence.filename ?? 'evidence', contentType: evidence.contentType ?? 'application/octet-stream' };
}

export function findEvidence(plan: PlanDoc, goalId: Id | string, planActivityId: Id | string, evidenceId: Id | string): EvidenceDoc {
  const evidence = findPlanActivity(findGoal(plan, goalId), planActivityId).evidence.find((e) => e._id.equals(evidenceId));
  if (!evidence) throw new NotFound('That evidence');
  return evidence;
}
