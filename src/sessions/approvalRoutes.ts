import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../catalog/service';
import { Actor } from '../kernel/actor';
import { Conflict, Forbidden, Invalid } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import * as plans from '../plans/service';
import * as users from '../users/service';
import { formRoute } from '../web/forms';
import { addNavItem } from '../web/nav';
import { actorOf, requireCsrf } from '../web/request';
import { handle } from '../web/route';
import { canDecideRegistration, canViewRegistrationApprovals } from './policy';
import { approvalRow } from './presenter';
import * as sessions from './service';

const PATH = sessions.APPROVALS_PATH;
const Params = z.object({ id: objectId });
const DoneQuery = z.object({ done: z.enum(['approved', 'declined']).optional() });
const DONE_TEXT = {
  approved: 'Approved: the teacher is registered, the activity is in the goal they chose (or proposed as a change to their approved plan), and they were told.',
  declined: 'Declined: the seat went to the next person waiting, if any, and the teacher was told, with your comment.',
};

/** The held seats this person may decide: every one for PD staff, those of the teachers they answer for otherwise. */
async function decidable(actor: Actor): Promise<sessions.PendingRegistration[]> {
  const scope = actor.roles.has('pdStaff') || !actor.approverScope ? undefined : [...actor.approverScope].map((id) => new Types.ObjectId(id));
  return (await sessions.awaitingApproval(actor.tenantId, scope)).filter((p) => canDecideRegistration(actor, p.registration));
}

async function renderQueue(req: Request, res: Response, err?: Invalid | Conflict): Promise<void> {
  const actor = actorOf(res);
  if (!canViewRegistrationApprovals(actor)) throw new Forbidden('Registrations waiting for approval are for approvers and PD staff.');
  const pending = await decidable(actor);
  const [activities, people, currentPlans] = await Promise.all([
    catalog.getActivities(actor.tenantId, pending.map((p) => p.session.activityId)),
    users.listUsers(actor.tenantId, { ids: pending.map((p) => p.registration.userId) }),
    plans.plansForUsers(actor.tenantId, pending.map((p) => p.registration.userId)),
  ]);
  const byId = <T extends { _id: Types.ObjectId }>(list: T[]) => new Map(list.map((x) => [String(x._id), x]));
  const goals = new Map(currentPlans.flatMap((plan) => plan.goals.map((g) => [String(g._id), { statement: g.statement, planId: String(plan._id) }] as const)));
  const done = DoneQuery.catch({}).parse(req.query);
  const failedId = err ? String(req.params.id ?? '') : '';
  res.render('sessions/approvals', {
    title: 'Session registrations to approve',
    rows: pending.map((p) => approvalRow(p, byId(activities).get(String(p.session.activityId)), byId(people).get(String(p.registration.userId)), goals.get(String(p.registration.goalId)))),
    confirmation: done.done ? DONE_TEXT[done.done] : undefined,
    failedId,
    typedComment: failedId && typeof req.body?.comment === 'string' ? req.body.comment : '',
    message: err?.message,
    errors: err?.fields ?? {},
  });
}

/** Its link in the top navigation. */
export function registerApprovalPages(): void {
  addNavItem({ label: 'Registrations to approve', path: PATH, section: 'mine', order: 26, visible: canViewRegistrationApprovals });
}

/** The approver's queue of seats held for approval, and their decision (approve, or decline with a comment). */
export function registrationApprovalRoutes(router: Router): void {
  router.get(PATH, handle(async (req, res) => renderQueue(req, res)));

  router.post(`${PATH}/:id`, requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const registration = await sessions.getRegistration(actor.tenantId, Params.parse(req.params).id);
      if (!canDecideRegistration(actor, registration)) {
        if (registration.status !== 'awaiting-approval' && canViewRegistrationApprovals(actor)) throw new Conflict('This registration is no longer waiting for approval; nothing was changed.');
        throw new Forbidden('Only the teacher’s plan approver or PD staff decide this registration.');
      }
      const done = await sessions.decideRegistration(actor.tenantId, registration._id, req.body, actor.policy, actor);
      res.redirect(303, res.locals.link(PATH, { done }));
    },
    renderQueue,
  ));
}
