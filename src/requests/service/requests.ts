import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as credit from '../../credit/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as groups from '../../groups/service';
import { Conflict, fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as users from '../../users/service';
import { OutsideRequest, OutsideRequestDoc, REQUEST_KINDS } from '../model';
import { ChainStep, costTotal } from '../rules';
import { approvalChain, getBudget } from './budgets';
import { deleteFile } from './files';

export type { OutsideRequestDoc };
type Id = Types.ObjectId;

const blankToZero = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? 0 : typeof v === 'string' ? Number(v) : v);
const money = z.preprocess(blankToZero, z.number('Enter an amount in dollars').min(0, 'Cannot be negative').max(100_000, 'At most 100,000'));
const day = (missing: string) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.date(missing));
const idField = (missing: string) => z.string(missing).regex(/^[a-f0-9]{24}$/i, missing);

const RequestForm = z
  .object({
    kind: z.enum(REQUEST_KINDS, 'Choose conference, university course or online course'),
    title: z.string('Give the title').trim().min(3, 'Give the title (at least 3 characters)').max(160, 'Keep it under 160 characters'),
    provider: z.string('Name the provider').trim().min(2, 'Name the provider').max(120, 'Keep it under 120 characters'),
    startsOn: day('Enter the first day as YYYY-MM-DD'),
    endsOn: day('Enter the last day as YYYY-MM-DD'),
    hours: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number('Enter the hours as a number').positive('More than 0 hours').max(500, 'At most 500 hours')),
    creditType: z.string('Choose the credit you want').min(1, 'Choose the credit you want'),
    registration: money,
    travel: money,
    substitute: money,
    budgetId: z.preprocess((v) => (v === '' ? undefined : v), idField('Choose who pays').optional()),
    goalId: idField('Choose the goal of your plan it serves'),
  })
  .superRefine((d, ctx) => {
    if (d.endsOn < d.startsOn) ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'The last day is before the first day' });
  });

export interface GoalChoice {
  planId: Id;
  goalId: Id;
  statement: string;
}

/** The teacher's own goals in their current plan (assigned goals follow their pathway and take no extra activities). */
export async function goalChoices(tenantId: TenantId, userId: Id): Promise<GoalChoice[]> {
  const plan = await plans.currentPlan(tenantId, userId);
  return (plan?.goals ?? []).filter((g) => g.origin?.kind !== 'pathway').map((g) => ({ planId: plan!._id, goalId: g._id, statement: g.statement }));
}

async function validRequest(tenantId: TenantId, userId: Id, raw: unknown) {
  const r = RequestForm.safeParse(raw);
  if (!r.success) throw new Invalid('The request needs attention; nothing was sent.', fieldErrors(r.error));
  const d = r.data;
  const goal = (await goalChoices(tenantId, userId)).find((g) => g.goalId.equals(d.goalId));
  if (!goal) throw new Invalid('The request needs attention; nothing was sent.', { goalId: 'Choose one of your own goals' });
  if (!(await credit.creditKinds(tenantId)).some((k) => k.key === d.creditType)) throw new Invalid('The request needs attention; nothing was sent.', { creditType: 'Choose one of the district’s credit types' });
  const costs = { registration: d.registration, travel: d.travel, substitute: d.substitute };
  const total = costTotal(costs);
  if (total > 0 && !d.budgetId) throw new Invalid('The request needs attention; nothing was sent.', { budgetId: 'Choose the funding source that pays' });
  if (d.budgetId) await getBudget(tenantId, d.budgetId).catch(() => { throw new Invalid('The request needs attention; nothing was sent.', { budgetId: 'Choose one of the listed funding sources' }); });
  return {
    kind: d.kind, title: d.title, provider: d.provider, startsOn: d.startsOn, endsOn: d.endsOn, hours: d.hours, creditType: d.creditType, costs, total,
    planId: goal.planId, goalId: goal.goalId, ...(d.budgetId && total > 0 ? { budgetId: new Types.ObjectId(d.budgetId) } : { budgetId: undefined }),
  };
}

/** A teacher sends a request; it waits at the first step of the district's chain. */
export async function submitRequest(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<OutsideRequestDoc> {
  const fields = await validRequest(tenantId, by.userId, raw);
  const steps = await approvalChain(tenantId);
  const doc = (await OutsideRequest.create({ tenantId, userId: by.userId, userName: by.name, ...fields, steps, stepIndex: 0, history: [{ by: by.userId, byName: by.name, action: 'submitted' }] })).toObject() as unknown as OutsideRequestDoc;
  await audit.record(tenantId, { actor: by, action: 'request.submitted', subject: { kind: 'outside-request', id: doc._id }, after: { title: doc.title, total: doc.total } });
  await notifyStep(doc);
  return doc;
}

/** The teacher changes a returned request and sends it again: it starts over at the first step. */
export async function resubmitRequest(tenantId: TenantId, id: Id, raw: unknown, by: ChangedBy): Promise<OutsideRequestDoc> {
  const current = await getRequest(tenantId, id);
  const fields = await validRequest(tenantId, by.userId, raw);
  const doc = await OutsideRequest.findOneAndUpdate(
    scoped(tenantId, { _id: id, userId: by.userId, status: 'returned', rev: current.rev }),
    { $set: { ...fields, status: 'in-approval', stepIndex: 0 }, ...(fields.budgetId ? {} : { $unset: { budgetId: 1 } }), $push: { history: { by: by.userId, byName: by.name, action: 'resubmitted', at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
  if (!doc) throw new Conflict('This request is no longer returned to you; nothing was sent.');
  await notifyStep(doc);
  return doc;
}

export async function getRequest(tenantId: TenantId, id: Id | string): Promise<OutsideRequestDoc> {
  const doc = Types.ObjectId.isValid(id) ? await OutsideRequest.findOne(scoped(tenantId, { _id: id })).lean<OutsideRequestDoc>() : null;
  if (!doc) throw new NotFound('That request');
  return doc;
}

export function requestsOf(tenantId: TenantId, userId: Id): Promise<OutsideRequestDoc[]> {
  return OutsideRequest.find(scoped(tenantId, { userId })).sort({ submittedAt: -1 }).lean<OutsideRequestDoc[]>();
}

/** Requests in these states, newest first (the PD-staff queues); `userIds` narrows to the people an approver answers for. */
export function requestsIn(tenantId: TenantId, statuses: string[], userIds?: Id[]): Promise<OutsideRequestDoc[]> {
  return OutsideRequest.find(scoped(tenantId, { status: { $in: statuses }, ...(userIds ? { userId: { $in: userIds } } : {}) })).sort({ submittedAt: -1 }).limit(500).lean<OutsideRequestDoc[]>();
}

/** Granted approvers who answer for the teacher (their groups hold the teacher, or they have none); PD staff when there are none. */
async function stepDeciders(tenantId: TenantId, step: ChainStep, teacherId: Id): Promise<users.UserDoc[]> {
  const staff = (await users.listPdStaff(tenantId)).filter((u) => !u._id.equals(teacherId));
  if (step.role === 'pdStaff') return staff;
  const granted = (await users.listUsers(tenantId, { grant: 'approver' })).filter((u) => !u._id.equals(teacherId));
  const scoped = [];
  for (const u of granted) {
    const scope = await groups.approverScope(tenantId, u._id);
    if (!scope || scope.some((id) => id.equals(teacherId))) scoped.push(u);
  }
  return scoped.length ? scoped : staff;
}

export const requestPath = (r: Pick<OutsideRequestDoc, '_id'>) => `/requests/${r._id}`;

/** Tells the people who decide the waiting step. */
export async function notifyStep(r: OutsideRequestDoc): Promise<void> {
  const step = r.steps[r.stepIndex];
  if (!step) return;
  for (const u of await stepDeciders(r.tenantId, step, r.userId)) {
    await notices.notify(r.tenantId, { userId: u._id, kind: 'request.submitted', title: `${r.userName} asks for approval of outside PD: ${r.title.slice(0, 100)}`, body: `Step: ${step.label}`, link: requestPath(r), dedupeKey: `request.submitted:${r._id}:${r.rev}:${u._id}` });
  }
}

/** Tells the teacher what happened to their request. */
export async function notifyTeacher(r: OutsideRequestDoc, kind: string, title: string, body = ''): Promise<void> {
  await notices.notify(r.tenantId, { userId: r.userId, kind, title, body, link: requestPath(r), dedupeKey: `${kind}:${r._id}:${r.rev}` });
}

/** Deletes a person's requests with their certificates and receipts. */
export async function forgetRequests(tenantId: TenantId, userId: Id): Promise<void> {
  const docs = await OutsideRequest.find(scoped(tenantId, { userId })).lean<OutsideRequestDoc[]>();
  for (const d of docs) for (const f of [d.proof, ...(d.reimbursement?.receipts ?? [])]) if (f?.fileId) await deleteFile(f.fileId);
  await OutsideRequest.deleteMany(scoped(tenantId, { userId }));
}
