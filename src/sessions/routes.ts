import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../catalog/service';
import { Actor } from '../kernel/actor';
import { Conflict, Forbidden, Invalid, NotFound } from '../kernel/errors';
import { formList, objectId, unflatten } from '../kernel/validation';
import * as plans from '../plans/service';
import * as users from '../users/service';
import { config } from '../config';
import { count, isoMoment, money } from '../web/format';
import { formRoute } from '../web/forms';
import { addActivityLinks, LinkInGoal } from '../web/activityLinks';
import { addNavItem } from '../web/nav';
import { actorOf, requireCsrf } from '../web/request';
import { handle } from '../web/route';
import { canCancelSession, canMoveBetween, canRegister, canRunSession, canScheduleSessions, ownsRegistration } from './policy';
import { activitySessionsLink, emptySessionForm, goalChoices, myDecision, myPlace, qrSvg, registeredMessage, rosterRow, sessionCard, SessionCard, sessionForm, SessionFormValues, valuesFromForm, valuesFromSession } from './presenter';
import { registerApprovalPages, registrationApprovalRoutes } from './approvalRoutes';
import { registerFacilitatorHome } from './homeRoutes';
import { needsApproval } from './rules';
import * as sessions from './service';

const Params = z.object({ id: objectId });
/** `goal`: the plan goal the teacher came from (a goal's activity or a pathway step); the session page preselects it. */
const goalParam = objectId.optional().catch(undefined);
const ListQuery = z.object({ activity: objectId.optional(), past: z.enum(['1']).optional(), goal: goalParam });
const GoalQuery = z.object({ goal: goalParam });
const NewQuery = z.object({ activity: objectId.optional() });
const RegisterForm = z.object({ goalId: z.string().max(24).optional() });
const RemoveForm = z.object({ userId: objectId });
const MoveForm = z.object({ userId: objectId, toSessionId: objectId });
const SignInForm = z.object({ code: z.string().max(40).default('') });
const AttendanceForm = z.object({ seated: formList(objectId), present: formList(objectId), hours: z.record(z.string(), z.string().max(10)).optional().default({}) });
const optionalHours = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v));
/** What a page may confirm after a redirect: known words and flags only, never free text. */
const DoneQuery = z.object({
  done: z.enum(['registered', 'awaiting-approval', 'waitlisted', 'left', 'created', 'saved', 'cancelled', 'removed', 'signed-in', 'attendance', 'seated', 'moved']).optional(),
  marked: z.coerce.number().int().min(0).max(5000).optional(),
  added: z.enum(['1']).optional(),
  proposed: z.enum(['1']).optional(),
});

const DONE_TEXT: Record<string, string> = {
  left: 'You are no longer registered for this session. The activity stays in your plan; remove it there if you no longer plan to do it.',
  created: 'The session was scheduled. Teachers can register from the catalog and the sessions list.',
  saved: 'The session was saved. Registered people were told if its time or place changed.',
  cancelled: 'The session was cancelled and everyone registered was told.',
  removed: 'The person was taken off the session; the next person waiting, if any, got the seat and was told.',
  seated: 'The person has a seat now, ahead of the waitlist’s order, and was told.',
  moved: 'The person was moved to the other session and told; their place here went to the next person waiting.',
  'signed-in': 'You are signed in: your attendance is recorded and the activity is marked done in your plan.',
};

async function namesOf(tenantId: Types.ObjectId, ids: Types.ObjectId[]): Promise<Map<string, users.UserDoc>> {
  return new Map((await users.listUsers(tenantId, { ids })).map((u) => [String(u._id), u]));
}

async function cards(actor: Actor, list: sessions.PdSessionDoc[]) {
  const activities = new Map((await catalog.getActivities(actor.tenantId, [...new Set(list.map((s) => String(s.activityId)))].map((id) => new Types.ObjectId(id)))).map((a) => [String(a._id), a]));
  const people = await namesOf(actor.tenantId, list.flatMap((s) => s.facilitatorIds));
  const names = new Map([...people].map(([id, u]) => [id, u.name]));
  const now = new Date();
  return list.map((s) => sessionCard(s, activities.get(String(s.activityId)), names, now));
}

async function runnable(actor: Actor, id: string): Promise<sessions.PdSessionDoc> {
  const session = await sessions.getSession(actor.tenantId, id);
  if (!canRunSession(actor, session)) throw new Forbidden('Only PD staff and the session’s facilitators can do that.');
  return session;
}

async function renderForm(res: Response, heading: string, action: string, values: SessionFormValues, err?: Invalid | Conflict): Promise<void> {
  const actor = actorOf(res);
  const [activities, facilitators] = await Promise.all([catalog.listActivities(actor.tenantId), sessions.facilitatorChoices(actor.tenantId)]);
  res.render('sessions/edit', { title: heading, action, timeZone: actor.timeZone, message: err?.message, ...sessionForm(values, activities, facilitators, err?.fields) });
}

async function renderRoster(req: Request, res: Response, session: sessions.PdSessionDoc, card: SessionCard, err?: Invalid | Conflict): Promise<void> {
  const actor = actorOf(res);
  const roster = await sessions.rosterOf(actor.tenantId, session._id);
  const [people, waiting] = await Promise.all([namesOf(actor.tenantId, [...roster.seated, ...roster.awaitingApproval, ...roster.waitlist].map((r) => r.userId)), sessions.waitingForEvaluation(actor.tenantId, session)]);
  const done = DoneQuery.catch({}).parse(req.query);
  const targets = (await sessions.moveTargets(actor.tenantId, session)).filter((s) => canMoveBetween(actor, session, s));
  const signInUrl = `${config().publicUrl}/attend/${actor.tenantId}/${session._id}?code=${session.signInCode}`;
  res.status(err ? err.status : 200).render('sessions/roster', {
    title: `Roster: ${card.title}`,
    session: card,
    seated: roster.seated.map((r) => rosterRow(r, people, waiting)),
    waitlist: roster.waitlist.map((r) => rosterRow(r, people)),
    held: roster.awaitingApproval.map((r) => rosterRow(r, people)),
    maxHours: sessions.maxHours(session, { hours: card.hours }),
    code: session.signInCode,
    qr: card.attendanceOpen ? await qrSvg(signInUrl) : undefined,
    moveTo: (await cards(actor, targets)).map((t) => ({ id: t.id, label: `${t.startsAt.slice(0, 10)} · ${t.place || 'Online'} · ${t.seats}` })),
    chosen: { userId: typeof req.body?.userId === 'string' ? req.body.userId : '', toSessionId: typeof req.body?.toSessionId === 'string' ? req.body.toSessionId : '' },
    confirmation: done.done === 'removed' || done.done === 'seated' || done.done === 'moved' ? DONE_TEXT[done.done] : done.done === 'attendance' ? `Attendance saved: ${count(done.marked ?? 0, 'person', 'people')} newly marked present. Where credit waits for the evaluation, it is given when the person sends it.` : undefined,
    message: err?.message,
    errors: err?.fields ?? {},
  });
}

/** The session page: facts, the person's place or the register form, and for runners the roster link. */
async function renderSession(req: Request, res: Response, session: sessions.PdSessionDoc, err?: Invalid | Conflict): Promise<void> {
  const actor = actorOf(res);
  if (!canRegister(actor, session)) throw new Forbidden();
  const [card] = await cards(actor, [session]);
  const mine = await sessions.findRegistration(actor.tenantId, session._id, actor.userId);
  const plan = await plans.currentPlan(actor.tenantId, actor.userId);
  const done = DoneQuery.catch({}).parse(req.query);
  const goal = mine?.goalId && plan?.goals.find((g) => g._id.equals(mine.goalId!));
  const confirmation = done.done === 'registered' || done.done === 'waitlisted' || done.done === 'awaiting-approval'
    ? registeredMessage({ status: mine?.status ?? done.done, waitlistNumber: mine?.waitlistNumber ?? undefined, needsApproval: !!mine?.needsApproval, addedToGoal: !!done.added, proposed: !!done.proposed, goalStatement: goal ? goal.statement : 'your goal' })
    : done.done === 'signed-in' && mine?.attendance && !mine.creditedAt ? 'You are signed in: your attendance is recorded. The activity is marked done in your plan once you send its evaluation (below).'
    : done.done ? DONE_TEXT[done.done] : undefined;
  const own = mine && ownsRegistration(actor, mine) ? mine : undefined;
  const choices = goalChoices(plan, session.activityId);
  res.status(err ? err.status : 200).render('sessions/show', {
    title: card!.title,
    session: card,
    mine: myPlace(own),
    decision: myDecision(own),
    approvalNeeded: needsApproval(card!.cost, actor.policy.registrationApprovalAbove) ? money(actor.policy.registrationApprovalAbove ?? 0) : undefined,
    evaluation: own?.attendance ? await sessions.evaluationPort().askedOf(actor.tenantId, { sessionId: session._id, activityId: session.activityId, userId: actor.userId }) : undefined,
    goals: choices,
    allGoalsCompleted: !!plan?.goals.length && !choices.length,
    planId: plan ? String(plan._id) : undefined,
    chosenGoal: typeof req.body?.goalId === 'string' ? req.body.goalId : GoalQuery.parse(req.query).goal ?? '',
    typedCode: typeof req.body?.code === 'string' ? req.body.code : typeof req.query.code === 'string' ? req.query.code.slice(0, 12) : '',
    runs: canRunSession(actor, session),
    cancels: canCancelSession(actor, session),
    confirmation,
    message: err?.message,
    errors: err?.fields ?? {},
  });
}

/** Beside an activity in the teacher's own goal or pathway: their place in its next session, or where to register. */
async function sessionLinks(actor: Actor, catalogIds: string[]): Promise<Map<string, LinkInGoal>> {
  const ids = catalogIds.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
  const found = await sessions.sessionsOfActivities(actor.tenantId, ids, actor.userId);
  const links = new Map<string, LinkInGoal>();
  for (const id of catalogIds) {
    const inGoal = activitySessionsLink(id, found.get(id));
    if (inGoal) links.set(id, inGoal);
  }
  return links;
}

/** Its link in the top navigation, the facilitator home's panel and the links beside plan activities and pathway steps. */
export function registerSessionPages(): void {
  addNavItem({ label: 'Sessions', path: '/sessions', section: 'explore', order: 46, visible: () => true });
  addActivityLinks(sessionLinks);
  registerFacilitatorHome();
  registerApprovalPages();
}

export function sessionsRouter(): Router {
  const router = Router();
  registrationApprovalRoutes(router);
  const rosterAgain = async (req: Request, res: Response, err: Invalid | Conflict) => {
    const session = await runnable(actorOf(res), Params.parse(req.params).id);
    const [card] = await cards(actorOf(res), [session]);
    await renderRoster(req, res, session, card!, err);
  };


  router.get('/sessions', handle(async (req, res) => {
    const actor = actorOf(res);
    const q = ListQuery.parse(req.query);
    const now = new Date();
    const list = await sessions.listSessions(actor.tenantId, { ...(q.past ? { until: now } : { from: now }), ...(q.activity ? { activityId: new Types.ObjectId(q.activity) } : {}) });
    const mine = await sessions.registrationsOf(actor.tenantId, actor.userId);
    const places = new Map(mine.map((r) => [String(r.sessionId), myPlace(r)]));
    const shown = await cards(actor, q.past ? list.reverse() : list);
    const activity = q.activity ? await catalog.getActivity(actor.tenantId, q.activity) : undefined;
    const goal = q.goal ? (await plans.currentPlan(actor.tenantId, actor.userId))?.goals.find((g) => g._id.equals(q.goal!)) : undefined;
    res.render('sessions/index', {
      title: activity ? `Sessions of ${activity.title}` : q.past ? 'Past sessions' : 'Upcoming sessions',
      sessions: shown.map((s) => ({ ...s, mine: places.get(s.id) })),
      past: !!q.past,
      activityId: q.activity,
      goal: goal && { id: String(goal._id), statement: goal.statement },
      schedules: canScheduleSessions(actor),
    });
  }));

  router.get('/sessions/new', handle(async (req, res) => {
    if (!canScheduleSessions(actorOf(res))) throw new Forbidden('Only PD staff schedule sessions.');
    await renderForm(res, 'Schedule a session', '/sessions', emptySessionForm(NewQuery.parse(req.query).activity));
  }));

  router.post('/sessions', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      if (!canScheduleSessions(actor)) throw new Forbidden('Only PD staff schedule sessions.');
      const created = await sessions.createSession(actor.tenantId, req.body, actor.timeZone ?? 'UTC', actor);
      res.redirect(303, res.locals.link(`/sessions/${created._id}`, { done: 'created' }));
    },
    (req, res, err) => renderForm(res, 'Schedule a session', '/sessions', valuesFromForm(req.body), err),
  ));

  router.get('/sessions/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    await renderSession(req, res, await sessions.getSession(actor.tenantId, Params.parse(req.params).id));
  }));

  router.get('/sessions/:id/edit', handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await runnable(actor, Params.parse(req.params).id);
    await renderForm(res, 'Edit the session', `/sessions/${session._id}`, valuesFromSession(session, actor.timeZone ?? 'UTC'));
  }));

  router.post('/sessions/:id', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await runnable(actor, Params.parse(req.params).id);
      await sessions.updateSession(actor.tenantId, session._id, req.body, actor.timeZone ?? 'UTC', actor);
      res.redirect(303, res.locals.link(`/sessions/${session._id}`, { done: 'saved' }));
    },
    async (req, res, err) => {
      const session = await runnable(actorOf(res), Params.parse(req.params).id);
      await renderForm(res, 'Edit the session', `/sessions/${session._id}`, valuesFromForm(req.body), err);
    },
  ));

  router.post('/sessions/:id/cancel', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await sessions.getSession(actor.tenantId, Params.parse(req.params).id);
    if (!canCancelSession(actor, session)) throw new Forbidden('Only PD staff cancel a session.');
    await sessions.cancelSession(actor.tenantId, session._id, actor);
    res.redirect(303, res.locals.link(`/sessions/${session._id}`, { done: 'cancelled' }));
  }));

  router.post('/sessions/:id/register', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await sessions.getSession(actor.tenantId, Params.parse(req.params).id);
      if (!canRegister(actor, session)) throw new Forbidden();
      const outcome = await sessions.register(actor.tenantId, session._id, actor.policy, actor, RegisterForm.parse(req.body).goalId);
      res.redirect(303, res.locals.link(`/sessions/${session._id}`, { done: outcome.status, added: outcome.addedToGoal ? 1 : undefined, proposed: outcome.proposed ? 1 : undefined }));
    },
    async (req, res, err) => renderSession(req, res, await sessions.getSession(actorOf(res).tenantId, Params.parse(req.params).id), err),
  ));

  router.post('/sessions/:id/leave', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await sessions.getSession(actor.tenantId, Params.parse(req.params).id);
      await sessions.cancelRegistration(actor.tenantId, session._id, actor.userId, actor);
      res.redirect(303, res.locals.link(`/sessions/${session._id}`, { done: 'left' }));
    },
    async (req, res, err) => renderSession(req, res, await sessions.getSession(actorOf(res).tenantId, Params.parse(req.params).id), err),
  ));

  router.get('/sessions/:id/roster', handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await runnable(actor, Params.parse(req.params).id);
    const [card] = await cards(actor, [session]);
    await renderRoster(req, res, session, card!);
  }));

  router.post('/sessions/:id/attendance', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await runnable(actor, Params.parse(req.params).id);
      const form = AttendanceForm.parse(unflatten(req.body));
      const present = new Set(form.present);
      const marks = form.seated.map((userId) => ({ userId, present: present.has(userId), hours: optionalHours(form.hours[userId]) }));
      const { marked } = await sessions.recordRoster(actor.tenantId, session._id, marks, actor);
      res.redirect(303, res.locals.link(`/sessions/${session._id}/roster`, { done: 'attendance', marked }));
    },
    rosterAgain,
  ));

  router.post('/sessions/:id/sign-in', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await sessions.getSession(actor.tenantId, Params.parse(req.params).id);
      await sessions.signInWithCode(actor.tenantId, session._id, actor, SignInForm.parse(req.body).code);
      res.redirect(303, res.locals.link(`/sessions/${session._id}`, { done: 'signed-in' }));
    },
    async (req, res, err) => renderSession(req, res, await sessions.getSession(actorOf(res).tenantId, Params.parse(req.params).id), err),
  ));

  router.post('/sessions/:id/roster/remove', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await runnable(actor, Params.parse(req.params).id);
    const { userId } = RemoveForm.parse(req.body);
    await sessions.cancelRegistration(actor.tenantId, session._id, new Types.ObjectId(userId), actor, { anyTime: true });
    res.redirect(303, res.locals.link(`/sessions/${session._id}/roster`, { done: 'removed' }));
  }));

  router.post('/sessions/:id/roster/seat', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const session = await runnable(actor, Params.parse(req.params).id);
      await sessions.seatFromWaitlist(actor.tenantId, session._id, new Types.ObjectId(RemoveForm.parse(req.body).userId), actor);
      res.redirect(303, res.locals.link(`/sessions/${session._id}/roster`, { done: 'seated' }));
    },
    rosterAgain,
  ));

  router.post('/sessions/:id/roster/move', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const from = await runnable(actor, Params.parse(req.params).id);
      const form = MoveForm.safeParse(req.body);
      if (!form.success) throw new Invalid('Choose the session to move them to; nothing was changed.', { [`toSessionId.${String(req.body?.userId ?? '')}`]: 'Choose a session' });
      const to = await sessions.getSession(actor.tenantId, form.data.toSessionId);
      if (!canMoveBetween(actor, from, to)) throw new Forbidden('You can move people only between sessions you run.');
      await sessions.moveRegistration(actor.tenantId, from._id, to._id, new Types.ObjectId(form.data.userId), actor);
      res.redirect(303, res.locals.link(`/sessions/${from._id}/roster`, { done: 'moved' }));
    },
    rosterAgain,
  ));

  router.get('/sessions/:id/invite.ics', handle(async (req, res) => {
    const actor = actorOf(res);
    const session = await sessions.getSession(actor.tenantId, Params.parse(req.params).id);
    const mine = await sessions.findRegistration(actor.tenantId, session._id, actor.userId);
    if (!mine || !ownsRegistration(actor, mine)) throw new NotFound('Your registration for this session');
    if (mine.status === 'awaiting-approval') throw new Conflict('Your calendar invite comes once your approver approves the registration.');
    res.type('text/calendar; charset=utf-8').attachment(`pd-session-${session._id}.ics`).send(await sessions.inviteFor(actor.tenantId, session._id, actor.userId));
  }));

  router.get('/calendar', handle(async (req, res) => {
    await renderCalendar(res, { done: CalendarDone.catch({}).parse(req.query).done });
  }));

  router.post('/calendar/feed', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    await renderCalendar(res, { url: await sessions.issueFeed(actor.tenantId, actor) });
  }));

  router.post('/calendar/feed/revoke', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    await sessions.revokeFeed(actor.tenantId, actor);
    res.redirect(303, res.locals.link('/calendar', { done: 'revoked' }));
  }));

  return router;
}

const CalendarDone = z.object({ done: z.enum(['revoked']).optional() });

async function renderCalendar(res: Response, shown: { url?: string; done?: string }): Promise<void> {
  const actor = actorOf(res);
  const feed = await sessions.feedOf(actor.tenantId, actor.userId);
  res.render('sessions/calendar', { title: 'Calendar feed', feed: feed && { createdAt: isoMoment(feed.createdAt), lastReadAt: isoMoment(feed.lastReadAt) }, url: shown.url, revoked: shown.done === 'revoked' });
}

const AttendParams = z.object({ tenantId: objectId, id: objectId });
const AttendQuery = z.object({ code: z.string().max(12) });

/** Reached without an LTI session: the calendar feed (by its secret address) and the page a sign-in QR code opens. */
export function publicSessionsRouter(): Router {
  const router = Router();
  router.get('/attend/:tenantId/:id', handle(async (req, res) => {
    const params = AttendParams.safeParse(req.params);
    const query = AttendQuery.safeParse(req.query);
    if (!params.success || !query.success) throw new NotFound('That sign-in page');
    const found = await sessions.signInPage(new Types.ObjectId(params.data.tenantId), params.data.id, query.data.code);
    if (!found) throw new NotFound('That sign-in page');
    res.render('sessions/attend', { title: 'Sign in to a PD session', activityTitle: found.activityTitle, code: found.code });
  }));
  router.get('/calendar/:token.ics', handle(async (req, res) => {
    const body = await sessions.readFeed(String(req.params.token).slice(0, 100));
    if (!body) throw new NotFound('That calendar feed');
    res.set('Cache-Control', 'private, max-age=300').type('text/calendar; charset=utf-8').send(body);
  }));
  return router;
}
