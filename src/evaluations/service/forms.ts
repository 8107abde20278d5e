import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { isDuplicateKey } from '../../db/writeErrors';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import * as sessions from '../../sessions/service';
import { ActivityEvaluation, EvaluationForm, EvaluationFormDoc, EvaluationSettings, FORM_USES } from '../model';
import { FormInput, ParsedForm, questionsFromRows, sameQuestions } from '../rules';

type Id = Types.ObjectId;
export type FormUse = (typeof FORM_USES)[number];
export const DISTRICT = 'district';

export const scopeKeyOf = (activityId?: Id | string): string => (activityId ? `activity:${activityId}` : DISTRICT);


/** The current (highest) version of the district form or of an activity's own form. */
export function currentForm(tenantId: TenantId, scopeKey: string): Promise<EvaluationFormDoc | null> {
  return EvaluationForm.findOne(scoped(tenantId, { scopeKey })).sort({ version: -1 }).lean<EvaluationFormDoc>();
}

export function formsById(tenantId: TenantId, ids: Id[]): Promise<EvaluationFormDoc[]> {
  return EvaluationForm.find(scoped(tenantId, { _id: { $in: ids } })).lean<EvaluationFormDoc[]>();
}

/** Checks the editor's fields; the Invalid names each field to fix. */
export function parseForm(raw: unknown): ParsedForm {
  const parsed = FormInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The form was not saved: check the marked fields.', fieldErrors(parsed.error));
  const { questions, errors } = questionsFromRows(parsed.data.questions);
  if (Object.keys(errors).length) throw new Invalid(errors._ ?? 'The form was not saved: check the marked questions.', errors);
  return { title: parsed.data.title, intro: parsed.data.intro, questions };
}

/**
 * Saves the district form (no activity) or an activity's own form. An unanswered version changes in
 * place (conditional on still being unanswered); an answered one is kept as it was and the edit becomes
 * the next version, so earlier responses are read against the questions they answered.
 */
export async function saveForm(tenantId: TenantId, activityId: Id | undefined, raw: unknown, by: ChangedBy): Promise<{ form: EvaluationFormDoc; newVersion: boolean }> {
  if (activityId) await catalog.getActivity(tenantId, activityId);
  const input = parseForm(raw);
  const scopeKey = scopeKeyOf(activityId);
  const current = await currentForm(tenantId, scopeKey);
  if (current && !current.answered) {
    const inPlace = await EvaluationForm.findOneAndUpdate(scoped(tenantId, { _id: current._id, answered: false }), { $set: input }, { new: true }).lean<EvaluationFormDoc>();
    if (inPlace) {
      await audit.record(tenantId, { actor: by, action: 'evaluation.form-saved', subject: { kind: 'evaluation-form', id: inPlace._id }, after: { scope: scopeKey, version: inPlace.version, questions: input.questions.length } });
      return { form: inPlace, newVersion: false };
    }
  }
  const latest = current && (await currentForm(tenantId, scopeKey));
  if (latest && sameQuestions(latest.questions, input.questions) && latest.title === input.title && latest.intro === input.intro) return { form: latest, newVersion: false };
  try {
    const created = await EvaluationForm.create({ tenantId, scopeKey, activityId, version: (latest?.version ?? 0) + 1, ...input, createdBy: by.userId });
    await audit.record(tenantId, { actor: by, action: 'evaluation.form-saved', subject: { kind: 'evaluation-form', id: created._id }, after: { scope: scopeKey, version: created.version, questions: input.questions.length } });
    return { form: created.toObject() as unknown as EvaluationFormDoc, newVersion: !!latest };
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('Someone else saved this form at the same moment; nothing of yours was saved. Reload it and make your change again.');
    throw err;
  }
}

export interface ActivitySetting {
  use: FormUse;
  requiredForCredit: boolean;
}

export async function activitySettings(tenantId: TenantId, activityIds?: Id[]): Promise<Map<string, ActivitySetting>> {
  const docs = await ActivityEvaluation.find(scoped(tenantId, activityIds ? { activityId: { $in: activityIds } } : {})).lean();
  return new Map(docs.map((d) => [String(d.activityId), { use: d.use as FormUse, requiredForCredit: d.requiredForCredit }]));
}

export async function activitySetting(tenantId: TenantId, activityId: Id): Promise<ActivitySetting> {
  return (await activitySettings(tenantId, [activityId])).get(String(activityId)) ?? { use: 'district', requiredForCredit: false };
}

/** The form a participant of this activity's sessions is asked to answer, with the activity's setting. */
export async function formFor(tenantId: TenantId, activityId: Id): Promise<{ form: EvaluationFormDoc | null; setting: ActivitySetting }> {
  const setting = await activitySetting(tenantId, activityId);
  if (setting.use === 'none') return { form: null, setting };
  return { form: await currentForm(tenantId, setting.use === 'own' ? scopeKeyOf(activityId) : DISTRICT), setting };
}

/**
 * Which form an activity uses and whether its credit waits for the evaluation. Credit can wait only for a
 * form that exists; lifting the wait (or the form) credits everyone who was waiting, once.
 */
export async function setActivitySetting(tenantId: TenantId, activityId: Id, setting: ActivitySetting, by: ChangedBy): Promise<{ released: number }> {
  await catalog.getActivity(tenantId, activityId);
  if (setting.requiredForCredit) {
    const form = setting.use === 'none' ? null : await currentForm(tenantId, setting.use === 'own' ? scopeKeyOf(activityId) : DISTRICT);
    if (!form) throw new Invalid(setting.use === 'none' ? 'Credit cannot wait for an evaluation the activity does not ask for; nothing was saved.' : 'That form does not exist yet: build it first, then make credit wait for it. Nothing was saved.', { requiredForCredit: 'Needs a form' });
  }
  const before = await activitySetting(tenantId, activityId);
  await ActivityEvaluation.updateOne(scoped(tenantId, { activityId }), { $set: setting }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'evaluation.activity-setting', subject: { kind: 'activity', id: activityId }, before: { ...before }, after: { ...setting } });
  return { released: setting.requiredForCredit ? 0 : (await sessions.creditDue(tenantId, { activityId })).length };
}

export interface Anonymity {
  tenantId: Id;
  anonymousToFacilitators: boolean;
  anonymousToStaff: boolean;
}

export async function anonymity(tenantId: TenantId): Promise<Anonymity> {
  const doc = await EvaluationSettings.findOne(scoped(tenantId, { key: 'district' })).lean();
  return { tenantId: tenantId as Id, anonymousToFacilitators: doc?.anonymousToFacilitators ?? true, anonymousToStaff: doc?.anonymousToStaff ?? false };
}

export async function setAnonymity(tenantId: TenantId, value: Omit<Anonymity, 'tenantId'>, by: ChangedBy): Promise<void> {
  await EvaluationSettings.updateOne(scoped(tenantId, { key: 'district' }), { $set: value }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'evaluation.anonymity', subject: { kind: 'tenant', id: String(tenantId) }, after: { ...value } });
}
