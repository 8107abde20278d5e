import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as frameworks from '../../frameworks/service';
import * as users from '../../users/service';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { isoDate } from '../../web/format';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canJoinGroupGoal, canViewGroupGoal } from '../policy';
import { goalFormChoices, goalFormValues, groupGoalView } from '../presenter';
import * as plans from '../service';
import { by, frameworkOf, oid, PageExtras, PlanParams } from './common';

const PeopleQuery = z.object({ q: z.string().trim().max(100).optional().default('') });

async function renderTeamForm(res: Response, actor: Actor, extras: PageExtras & { q?: string } = {}): Promise<void> {
  const plan = await plans.currentPlan(actor.tenantId, actor.userId);
  const chosen = goalFormValues(undefined, extras.values).memberIds;
  const found = await users.searchUsers(actor.tenantId, extras.q ?? '', 100);
  const kept = chosen.length ? await users.listUsers(actor.tenantId, { ids: chosen.filter((id) => Types.ObjectId.isValid(id)).map(oid) }) : [];
  const people = [...new Map([...kept, ...found].map((u) => [String(u._id), u])).values()].filter((u) => !u._id.equals(actor.userId));
  res.render('plans/goal-form', {
    title: 'Create a team goal',
    action: '/team-goals',
    cancel: '/team-goals',
    values: goalFormValues(undefined, extras.values),
    choices: goalFormChoices(await frameworkOf(actor.tenantId)),
    periodEnd: isoDate(plan?.periodEnd),
    colleagues: people.map((u) => ({ value: String(u._id), label: u.name || u.aliases?.email || 'Colleague', email: u.aliases?.email ?? '' })),
    colleagueSearch: { q: extras.q ?? '' },
    blocker: plans.teamGoalBlocker(plan),
    proposing: plan?.status === 'active',
    message: extras.message,
    errors: extras.errors ?? {},
  });
}

/** Team goals: the list, creating one with colleagues, a team goal's page, joining it. */
export function teamRoutes(router: Router): void {
  router.get('/team-goals', handle(async (_req, res) => {
    const actor = actorOf(res);
    const [groups, competencies] = await Promise.all([plans.groupGoalsFor(actor.tenantId, actor.userId), frameworks.competenciesByCode(actor.tenantId)]);
    res.render('plans/team-goals', { title: 'Team goals', groups: groups.map((g) => groupGoalView(g, undefined, String(actor.userId), competencies)) });
  }));

  router.get('/team-goals/new', handle(async (req, res) => renderTeamForm(res, actorOf(res), { q: PeopleQuery.parse(req.query).q })));

  router.post('/team-goals', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      // "Search colleagues" posts the whole form, so the goal typed so far comes back with the results.
      if (req.body.intent === 'search') return renderTeamForm(res, actor, { values: req.body, q: PeopleQuery.parse({ q: req.body.q }).q });
      const group = await plans.createGroupGoal(actor.tenantId, by(actor), req.body);
      res.redirect(303, res.locals.link(`/team-goals/${group._id}`, { done: 'created' }));
    },
    (req, res, err) => renderTeamForm(res, actorOf(res), { message: err.message, errors: err.fields, values: req.body, q: typeof req.body.q === 'string' ? req.body.q.slice(0, 100) : '' }),
  ));

  router.get('/team-goals/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await plans.getGroupGoal(actor.tenantId, PlanParams.parse(req.params).id);
    if (!canViewGroupGoal(actor, group)) throw new Forbidden('This team goal was not shared with you.');
    const [progress, people, mine] = await Promise.all([plans.groupProgress(actor.tenantId, group), users.listUsers(actor.tenantId, { ids: group.invitedIds }), plans.currentPlan(actor.tenantId, actor.userId)]);
    const names = new Map(people.map((u) => [String(u._id), u.name || 'A colleague']));
    res.render('plans/team-goal', {
      title: 'Team goal',
      group: groupGoalView(group, progress, String(actor.userId), await frameworks.competenciesByCode(actor.tenantId)),
      people: group.invitedIds.map((id) => ({ name: names.get(String(id)) ?? 'A former member', owner: id.equals(group.ownerId), joined: group.memberIds.some((m) => m.equals(id)) })),
      canJoin: canJoinGroupGoal(actor, group),
      joinBlocker: plans.teamGoalBlocker(mine),
      proposing: mine?.status === 'active',
      joined: req.query.done === 'joined',
      created: req.query.done === 'created',
    });
  }));

  router.post('/team-goals/:id/join', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await plans.getGroupGoal(actor.tenantId, PlanParams.parse(req.params).id);
    if (!canJoinGroupGoal(actor, group)) throw new Forbidden('This team goal was not shared with you.');
    await plans.joinGroupGoal(actor.tenantId, group._id, by(actor));
    res.redirect(303, res.locals.link(`/team-goals/${group._id}`, { done: 'joined' }));
  }));
}
