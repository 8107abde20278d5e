import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import { Actor } from '../../kernel/actor';
import { Conflict, Forbidden } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import * as sessions from '../../sessions/service';
import { actorOf } from '../../web/request';
import { handle } from '../../web/route';
import { canOpenResults, canSeeSessionResults, canViewEfficacy, seesNames } from '../policy';
import { efficacyCsv, efficacyView, resultsView, sheetCsv } from '../presenter';
import * as evaluations from '../service';

const Params = z.object({ id: objectId });
const WITHHELD = `These answers are anonymous: they are shown once ${evaluations.MIN_ANONYMOUS_RESPONSES} people have responded, so nobody’s can be picked out.`;

async function readableSession(actor: Actor, id: string): Promise<sessions.PdSessionDoc> {
  const session = await sessions.getSession(actor.tenantId, id);
  if (!canSeeSessionResults(actor, session)) throw new Forbidden('Only PD staff and the session’s facilitators see its evaluation results.');
  return session;
}

/** The sessions of an activity whose results this person may read: all for PD staff, their own for facilitators. */
async function readableSessionsOf(actor: Actor, activityId: string): Promise<sessions.PdSessionDoc[]> {
  if (!canOpenResults(actor)) throw new Forbidden('Only PD staff and facilitators see evaluation results.');
  await catalog.getActivity(actor.tenantId, activityId);
  return (await sessions.listSessions(actor.tenantId, { activityId: new Types.ObjectId(activityId) })).filter((s) => canSeeSessionResults(actor, s));
}

async function names(actor: Actor): Promise<boolean> {
  return seesNames(actor, await evaluations.anonymity(actor.tenantId));
}

async function renderResults(res: Response, heading: string, list: sessions.PdSessionDoc[], csvPath: string, back: { href: string; label: string }): Promise<void> {
  const actor = actorOf(res);
  const showNames = await names(actor);
  const results = await evaluations.resultsFor(actor.tenantId, list.map((s) => s._id), { names: showNames });
  res.render('evaluations/results', { title: heading, results: resultsView(results), named: showNames, withheldText: WITHHELD, csvPath, back, sessionCount: list.length });
}

function sendCsv(res: Response, filename: string, body: string): void {
  res.type('text/csv; charset=utf-8').attachment(filename).send(body);
}

export function resultRoutes(router: Router): void {
  router.get('/evaluations/results', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!canOpenResults(actor)) throw new Forbidden('Only PD staff and facilitators see evaluation results.');
    const now = Date.now();
    const list = (await sessions.listSessions(actor.tenantId)).filter((s) => s.startsAt.getTime() <= now && s.status !== 'cancelled' && canSeeSessionResults(actor, s)).reverse();
    const titles = new Map((await catalog.getActivities(actor.tenantId, [...new Set(list.map((s) => String(s.activityId)))].map((id) => new Types.ObjectId(id)))).map((a) => [String(a._id), a.title]));
    res.render('evaluations/list', {
      title: 'Evaluation results',
      sessions: list.map((s) => ({ id: String(s._id), activityId: String(s.activityId), title: titles.get(String(s.activityId)) ?? 'Activity no longer in the catalog', startsAt: s.startsAt.toISOString() })),
      efficacy: canViewEfficacy(actor),
    });
  }));

  router.get('/evaluations/sessions/:id/results', handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await readableSession(actor, Params.parse(req.params).id);
    const activity = await catalog.getActivity(actor.tenantId, session.activityId).catch(() => undefined);
    await renderResults(res, `Results: ${activity?.title ?? 'session'}`, [session], `/evaluations/sessions/${session._id}/results.csv`, { href: `/evaluations/activities/${session.activityId}/results`, label: 'All sessions of this activity' });
  }));

  router.get('/evaluations/sessions/:id/results.csv', handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await readableSession(actor, Params.parse(req.params).id);
    const sheet = await evaluations.resultsSheet(actor.tenantId, [session._id], { names: await names(actor) });
    if (!sheet) throw new Conflict(WITHHELD);
    sendCsv(res, `evaluation-session-${session._id}.csv`, sheetCsv(sheet));
  }));

  router.get('/evaluations/activities/:id/results', handle(async (req, res) => {
    const actor = actorOf(res);
    const { id } = Params.parse(req.params);
    const list = await readableSessionsOf(actor, id);
    const activity = await catalog.getActivity(actor.tenantId, id);
    await renderResults(res, `Results: ${activity.title}, all ${actor.roles.has('pdStaff') ? '' : 'your '}sessions`, list, `/evaluations/activities/${id}/results.csv`, { href: '/evaluations/results', label: 'Every session' });
  }));

  router.get('/evaluations/activities/:id/results.csv', handle(async (req, res) => {
    const actor = actorOf(res);
    const { id } = Params.parse(req.params);
    const list = await readableSessionsOf(actor, id);
    const sheet = await evaluations.resultsSheet(actor.tenantId, list.map((s) => s._id), { names: await names(actor) });
    if (!sheet) throw new Conflict(WITHHELD);
    sendCsv(res, `evaluation-activity-${id}.csv`, sheetCsv(sheet));
  }));

  router.get('/evaluations/efficacy', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!canViewEfficacy(actor)) throw new Forbidden('Only PD staff see the efficacy report.');
    res.render('evaluations/efficacy', { title: 'PD efficacy', report: efficacyView(await evaluations.efficacyReport(actor.tenantId)) });
  }));

  router.get('/evaluations/efficacy.csv', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!canViewEfficacy(actor)) throw new Forbidden('Only PD staff see the efficacy report.');
    sendCsv(res, 'pd-efficacy.csv', efficacyCsv(await evaluations.efficacyReport(actor.tenantId)));
  }));
}
