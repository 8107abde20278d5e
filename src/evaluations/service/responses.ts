import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, Invalid, NotFound } from '../../kernel/errors';
import * as sessions from '../../sessions/service';
import { EvaluationForm, EvaluationFormDoc, EvaluationResponse, EvaluationResponseDoc } from '../model';
import { checkAnswers, sameQuestions } from '../rules';
import { formFor } from './forms';

type Id = Types.ObjectId;

export const evaluationPath = (sessionId: Id | string) => `/evaluations/sessions/${sessionId}`;

export function responseOf(tenantId: TenantId, sessionId: Id, userId: Id): Promise<EvaluationResponseDoc | null> {
  return EvaluationResponse.findOne(scoped(tenantId, { sessionId, userId })).lean<EvaluationResponseDoc>();
}

/** Whether this attendance's credit waits: the activity says so, a form applies, and the person has not answered it. */
export async function holdsCredit(tenantId: TenantId, who: sessions.Attendee): Promise<boolean> {
  const { form, setting } = await formFor(tenantId, who.activityId);
  return !!form && setting.requiredForCredit && !(await responseOf(tenantId, who.sessionId, who.userId));
}

/** What a session page says about the person's evaluation: where it is, whether it is done, whether credit waits. */
export async function askedOf(tenantId: TenantId, who: sessions.Attendee): Promise<{ path: string; submitted: boolean; required: boolean } | undefined> {
  const [{ form, setting }, response] = await Promise.all([formFor(tenantId, who.activityId), responseOf(tenantId, who.sessionId, who.userId)]);
  if (!form && !response) return undefined;
  return { path: evaluationPath(who.sessionId), submitted: !!response, required: setting.requiredForCredit };
}

export interface EvaluationToGive {
  session: sessions.PdSessionDoc;
  registration: sessions.RegistrationDoc | null;
  activityTitle: string;
  form: EvaluationFormDoc | null;
  requiredForCredit: boolean;
  response: EvaluationResponseDoc | null;
}

/** Everything the person's evaluation page of a session shows (the policy decides whether they may). */
export async function evaluationToGive(tenantId: TenantId, sessionId: Id | string, userId: Id): Promise<EvaluationToGive> {
  const session = await sessions.getSession(tenantId, sessionId);
  const [registration, activity, { form, setting }, response] = await Promise.all([
    sessions.findRegistration(tenantId, session._id, userId),
    catalog.getActivity(tenantId, session.activityId).catch(() => undefined),
    formFor(tenantId, session.activityId),
    responseOf(tenantId, session._id, userId),
  ]);
  return { session, registration, activityTitle: activity?.title ?? 'Activity no longer in the catalog', form, requiredForCredit: setting.requiredForCredit, response };
}

/** Marks a form version answered, then checks nobody changed it in place meanwhile (an edit is conditional on unanswered). */
async function freeze(tenantId: TenantId, form: EvaluationFormDoc): Promise<void> {
  await EvaluationForm.updateOne(scoped(tenantId, { _id: form._id, answered: false }), { $set: { answered: true } });
  const now = await EvaluationForm.findOne(scoped(tenantId, { _id: form._id })).lean<EvaluationFormDoc>();
  if (!now || !sameQuestions(now.questions, form.questions)) throw new Conflict('The form changed while you were answering; nothing was saved. Check the questions and submit again.');
}

/**
 * A participant's evaluation of a session they attended: checked against the current form, stored once
 * (unique per session and person), then any credit that waited for it is released through the ledger.
 */
export async function submitEvaluation(tenantId: TenantId, sessionId: Id, who: ChangedBy, raw: Record<string, unknown>): Promise<{ released: boolean }> {
  const given = await evaluationToGive(tenantId, sessionId, who.userId);
  if (!given.registration?.attendance || given.registration.status !== 'registered') throw new Conflict('You can evaluate a session once your attendance is recorded.');
  if (given.response) throw new Conflict('You already submitted your evaluation of this session; it cannot be changed.');
  if (!given.form) throw new NotFound('An evaluation for this session');
  const { answers, errors } = checkAnswers(given.form.questions, raw);
  if (Object.keys(errors).length) throw new Invalid('Your evaluation was not sent: answer the marked questions.', errors);
  await freeze(tenantId, given.form);
  try {
    await EvaluationResponse.create({ tenantId, sessionId, activityId: given.session.activityId, formId: given.form._id, formVersion: given.form.version, userId: who.userId, answers });
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw new Conflict('You already submitted your evaluation of this session; it cannot be changed.');
    throw err;
  }
  await audit.record(tenantId, { actor: who, action: 'evaluation.submitted', subject: { kind: 'session', id: sessionId }, after: { formVersion: given.form.version } });
  const credited = await sessions.creditDue(tenantId, { sessionId });
  return { released: credited.some((id) => id.equals(who.userId)) };
}

export interface PendingEvaluation {
  sessionId: string;
  activityTitle: string;
  endsAt: Date;
  requiredForCredit: boolean;
}

/** The sessions a person attended whose evaluation is asked for and not yet given, newest first. */
export async function pendingEvaluations(tenantId: TenantId, userId: Id): Promise<PendingEvaluation[]> {
  const attended = (await sessions.registrationsOf(tenantId, userId)).filter((r) => r.status === 'registered' && r.attendance);
  if (!attended.length) return [];
  const answered = new Set((await EvaluationResponse.find(scoped(tenantId, { userId }), { sessionId: 1 }).lean()).map((r) => String(r.sessionId)));
  const open = attended.filter((r) => !answered.has(String(r.sessionId)));
  const list = await sessions.listSessions(tenantId, { ids: open.map((r) => r.sessionId) });
  const out: PendingEvaluation[] = [];
  for (const s of list) {
    const { form, setting } = await formFor(tenantId, s.activityId);
    if (!form) continue;
    const activity = await catalog.getActivity(tenantId, s.activityId).catch(() => undefined);
    out.push({ sessionId: String(s._id), activityTitle: activity?.title ?? 'A PD session', endsAt: s.endsAt, requiredForCredit: setting.requiredForCredit });
  }
  return out.sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime());
}

/** Removes a deleted person's responses (their answers are theirs; results then count without them). */
export async function forgetResponses(tenantId: TenantId, userId: Id): Promise<void> {
  await EvaluationResponse.deleteMany(scoped(tenantId, { userId }));
}
