import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as plans from '../../plans/service';
import * as sessions from '../../sessions/service';
import * as users from '../../users/service';
import { EvaluationFormDoc, EvaluationResponse, EvaluationResponseDoc } from '../model';
import { efficacy, Efficacy, measuredRatings, Question, QuestionResult, responseRate, summarise } from '../rules';
import { formsById } from './forms';

type Id = Types.ObjectId;

/** Anonymous answers are shown only from this many responses on, so nobody's can be picked out. */
export const MIN_ANONYMOUS_RESPONSES = 3;

export interface Comment {
  text: string;
  name?: string;
}

export interface VersionResult {
  formId: string;
  version: number;
  title: string;
  responses: number;
  questions: (QuestionResult & { named?: Comment[] })[];
}

export interface Results {
  attended: number;
  responses: number;
  responseRate: number;
  /** Anonymous and too few responses: only the counts are shown. */
  withheld: boolean;
  versions: VersionResult[];
}

/** Anonymous rows and comments go in an order unrelated to who answered when (a hash of the response id). */
const unlinkedOrder = (r: EvaluationResponseDoc) => crypto.createHash('sha256').update(String(r._id)).digest('hex');

function byVersion(responses: EvaluationResponseDoc[], forms: EvaluationFormDoc[], names: Map<string, string> | undefined): VersionResult[] {
  return forms
    .sort((a, b) => a.version - b.version)
    .map((form) => {
      const mine = responses.filter((r) => r.formId.equals(form._id));
      const questions = summarise(form.questions as Question[], mine.map((r) => r.answers));
      return {
        formId: String(form._id),
        version: form.version,
        title: form.title,
        responses: mine.length,
        questions: questions.map((q) => (q.kind !== 'text' ? q : { ...q, named: mine.flatMap((r) => r.answers.filter((a) => a.key === q.key && a.text).map((a) => ({ text: a.text!, name: names?.get(String(r.userId)) ?? (names ? 'Unnamed' : undefined) }))) })),
      };
    })
    .filter((v) => v.responses > 0);
}

async function nameBook(tenantId: TenantId, ids: Id[]): Promise<Map<string, string>> {
  return new Map((await users.listUsers(tenantId, { ids })).map((u) => [String(u._id), u.name || u.aliases?.email || 'Unnamed']));
}

async function responsesOf(tenantId: TenantId, sessionIds: Id[], names: boolean): Promise<EvaluationResponseDoc[]> {
  const found = await EvaluationResponse.find(scoped(tenantId, { sessionId: { $in: sessionIds } })).sort({ submittedAt: 1 }).lean<EvaluationResponseDoc[]>();
  return names ? found : found.sort((a, b) => unlinkedOrder(a).localeCompare(unlinkedOrder(b)));
}

/** Results of these sessions (one session, or an activity's sessions the reader may see), with or without names. */
export async function resultsFor(tenantId: TenantId, sessionIds: Id[], opts: { names: boolean }): Promise<Results> {
  const [attendees, responses] = await Promise.all([sessions.attendeesOf(tenantId, sessionIds), responsesOf(tenantId, sessionIds, opts.names)]);
  const base = { attended: attendees.length, responses: responses.length, responseRate: responseRate(responses.length, attendees.length) };
  if (!opts.names && responses.length < MIN_ANONYMOUS_RESPONSES) return { ...base, withheld: responses.length > 0, versions: [] };
  const forms = await formsById(tenantId, [...new Map(responses.map((r) => [String(r.formId), r.formId])).values()]);
  const names = opts.names ? await nameBook(tenantId, responses.map((r) => r.userId)) : undefined;
  const versions = byVersion(responses, forms, names);
  if (!opts.names) for (const v of versions) for (const q of v.questions) q.named?.sort((a, b) => a.text.localeCompare(b.text));
  return { ...base, withheld: false, versions };
}

/** Responses of attendees, per session: how many attended and answered (counts only, never answers). */
export async function responseCounts(tenantId: TenantId, sessionIds: Id[]): Promise<Map<string, { attended: number; responses: number; responseRate: number }>> {
  const [attendees, responses] = await Promise.all([sessions.attendeesOf(tenantId, sessionIds), EvaluationResponse.find(scoped(tenantId, { sessionId: { $in: sessionIds } }), { sessionId: 1 }).lean()]);
  const tally = (list: { sessionId: Id }[], id: Id) => list.filter((x) => x.sessionId.equals(id)).length;
  return new Map(sessionIds.map((id) => {
    const [attended, answered] = [tally(attendees, id), tally(responses, id)];
    return [String(id), { attended, responses: answered, responseRate: responseRate(answered, attended) }];
  }));
}

export interface CsvSheet {
  headers: string[];
  rows: (string | number)[][];
}

/** One row per response: when (the session's start), the name when the reader sees names, then every question of every version. */
export async function resultsSheet(tenantId: TenantId, sessionIds: Id[], opts: { names: boolean }): Promise<CsvSheet | undefined> {
  const responses = await responsesOf(tenantId, sessionIds, opts.names);
  if (!opts.names && responses.length < MIN_ANONYMOUS_RESPONSES) return undefined;
  const forms = (await formsById(tenantId, [...new Map(responses.map((r) => [String(r.formId), r.formId])).values()])).sort((a, b) => a.version - b.version);
  const starts = new Map((await sessions.listSessions(tenantId, { ids: sessionIds })).map((s) => [String(s._id), s.startsAt.toISOString()]));
  const names = opts.names ? await nameBook(tenantId, responses.map((r) => r.userId)) : undefined;
  const columns = forms.flatMap((f) => f.questions.map((q) => ({ formId: String(f._id), key: q.key, header: forms.length > 1 ? `v${f.version}: ${q.prompt}` : q.prompt })));
  const headers = ['Session starts', ...(names ? ['Name'] : []), ...columns.map((c) => c.header)];
  const rows = responses.map((r) => [
    starts.get(String(r.sessionId)) ?? '',
    ...(names ? [names.get(String(r.userId)) ?? 'Unnamed'] : []),
    ...columns.map((c) => {
      const a = String(r.formId) === c.formId ? r.answers.find((x) => x.key === c.key) : undefined;
      return a?.rating ?? a?.choices?.join('; ') ?? a?.text ?? '';
    }),
  ]);
  return { headers, rows };
}

export interface EfficacyRow extends Efficacy {
  activityId: string;
  title: string;
  sessions: number;
}

/** Attendees who wrote a reflection on the activity in their plan after attending: counted, never read. */
async function reflectedCount(tenantId: TenantId, activityId: Id, attendees: sessions.RegistrationDoc[]): Promise<number> {
  if (!attendees.length) return 0;
  const since = new Map(attendees.map((r) => [String(r.userId), r.attendance!.at]));
  const owned = await plans.plansForUsers(tenantId, attendees.map((r) => r.userId));
  const reflected = new Set<string>();
  for (const plan of owned) {
    const after = since.get(String(plan.userId))!;
    for (const goal of plan.goals) {
      const planActivities = new Set(goal.activities.filter((a) => a.activityId?.equals(activityId)).map((a) => String(a._id)));
      if (goal.reflections.some((r) => r.planActivityId && planActivities.has(String(r.planActivityId)) && r.at >= after)) reflected.add(String(plan.userId));
    }
  }
  return reflected.size;
}

/** The district efficacy report: per activity with attended sessions, and the district as a whole (last row, activityId ''). */
export async function efficacyReport(tenantId: TenantId): Promise<EfficacyRow[]> {
  const all = await sessions.listSessions(tenantId);
  const attendees = await sessions.attendeesOf(tenantId, all.map((s) => s._id));
  const responses = await EvaluationResponse.find(scoped(tenantId, { sessionId: { $in: all.map((s) => s._id) } })).lean<EvaluationResponseDoc[]>();
  const forms = new Map((await formsById(tenantId, [...new Map(responses.map((r) => [String(r.formId), r.formId])).values()])).map((f) => [String(f._id), f]));
  const ratings = (list: EvaluationResponseDoc[]) => list.map((r) => measuredRatings((forms.get(String(r.formId))?.questions ?? []) as Question[], r.answers));
  const activityIds = [...new Set(attendees.map((r) => String(r.activityId)))].map((id) => new Types.ObjectId(id));
  const titles = new Map((await catalog.getActivities(tenantId, activityIds)).map((a) => [String(a._id), a.title]));
  const rows: EfficacyRow[] = [];
  let reflectedAll = 0;
  for (const activityId of activityIds) {
    const came = attendees.filter((r) => r.activityId.equals(activityId));
    const reflected = await reflectedCount(tenantId, activityId, came);
    reflectedAll += reflected;
    const answered = responses.filter((r) => r.activityId.equals(activityId));
    rows.push({ activityId: String(activityId), title: titles.get(String(activityId)) ?? 'Activity no longer in the catalog', sessions: new Set(came.map((r) => String(r.sessionId))).size, ...efficacy({ responses: ratings(answered), attended: came.length, reflected }) });
  }
  rows.sort((a, b) => a.title.localeCompare(b.title));
  if (rows.length) rows.push({ activityId: '', title: 'Whole district', sessions: rows.reduce((n, r) => n + r.sessions, 0), ...efficacy({ responses: ratings(responses), attended: attendees.length, reflected: reflectedAll }) });
  return rows;
}
