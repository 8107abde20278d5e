import { Router } from 'express';
import { z } from 'zod';
import * as credentials from '../credentials/service';
import * as frameworks from '../frameworks/service';
import * as pathways from '../pathways/service';
import { addPlacementSource } from './pickerRoutes';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { Forbidden } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import { canResyncPlacement, canViewPlacements } from './policy';
import { badgeChoices, goalChoices, gradeRow, pathwayChoices, placementRow } from './presenter';
import * as placements from './service';

const Params = z.object({ id: objectId });
const GoalParams = z.object({ code: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,19}$/).transform((c) => c.toUpperCase()) });

function requireStaff(actor: Actor): void {
  if (!canViewPlacements(actor, { tenantId: actor.tenantId })) throw new Forbidden('Only PD staff can see the links placed in courses.');
}

async function competencies(actor: Actor): Promise<{ code: string; name: string }[]> {
  if (!(await frameworks.hasActiveFramework(actor.tenantId))) return [];
  return (await frameworks.activeFramework(actor.tenantId)).competencies;
}

/** Its link in the top navigation, and what the deep-linking picker offers to place in a course. */
export function registerPlacementPages(): void {
  addNavItem({ label: 'Gradebook links', path: '/gradebook', section: 'district', order: 72, visible: (a) => canViewPlacements(a, { tenantId: a.tenantId }) });
  addPlacementSource(async (actor) => pathwayChoices(await pathways.listPublished(actor.tenantId)));
  addPlacementSource(async (actor) => goalChoices(await competencies(actor)));
  addPlacementSource(async (actor) => badgeChoices(await credentials.listAchievements(actor.tenantId)));
}

export function gradebookRouter(): Router {
  const router = Router();

  router.get('/gradebook', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    const [list, tallies, contexts] = await Promise.all([placements.listPlacements(actor.tenantId), placements.gradeTallies(actor.tenantId), tenants.listContexts(actor.tenantId)]);
    const courses = new Map(contexts.map((c) => [c.contextId, c.title || c.label || c.contextId]));
    const courseName = (id: string) => courses.get(id) ?? id;
    res.render('placements/index', { title: 'Gradebook links', rows: list.map((p) => placementRow(p, courseName, tallies.get(String(p._id)))) });
  }));

  router.get('/gradebook/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    const placement = await placements.getPlacement(actor.tenantId, Params.parse(req.params).id);
    const grades = await placements.gradesOf(actor.tenantId, placement._id);
    const people = new Map((await users.listUsers(actor.tenantId, { ids: grades.map((g) => g.userId) })).map((u) => [String(u._id), u.name || 'Unnamed']));
    const ids = [placement.contextId, ...(placement.copiedFrom?.contextId ? [placement.copiedFrom.contextId] : [])];
    const contexts = await Promise.all(ids.map((id) => tenants.findContext(actor.tenantId, id)));
    const courseName = (id: string) => contexts.find((c) => c?.contextId === id)?.title || id;
    res.render('placements/show', {
      title: placement.title,
      placement: placementRow(placement, courseName, undefined),
      canResync: canResyncPlacement(actor, placement),
      waitingHelp: placements.waitingForColumn(actor.platform.family),
      grades: grades.map((g) => gradeRow(g, people.get(String(g.userId)) ?? 'Unknown')),
    });
  }));

  router.post('/gradebook/:id/sync', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const placement = await placements.getPlacement(actor.tenantId, Params.parse(req.params).id);
    if (!canResyncPlacement(actor, placement)) throw new Forbidden('Only PD staff can re-send a gradebook column, and only for a placement with a column.');
    await placements.resyncPlacement(actor.tenantId, placement._id, { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link(`/gradebook/${placement._id}`));
  }));

  /** A placed goal link: the teacher's own goal in that competency, or a page saying how to add one. */
  router.get('/placed/goal/:code', handle(async (req, res) => {
    const actor = actorOf(res);
    const { code } = GoalParams.parse(req.params);
    const goal = await placements.placedGoal(actor.tenantId, actor.userId, code);
    if (goal) return res.redirect(303, res.locals.link(`/plans/${goal.planId}/goals/${goal.goalId}`));
    const competency = (await competencies(actor)).find((c) => c.code === code);
    res.render('placements/no-goal', { title: 'No goal here yet', competency: competency?.name ?? code, code });
  }));

  return router;
}
