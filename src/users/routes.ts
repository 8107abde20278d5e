import { Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { handle } from '../web/route';
import { actorOf, requireCsrf } from '../web/context';
import { Forbidden } from '../web/errors';
import { HomeKind, homePanels } from '../web/homes';
import { addNavItem } from '../web/nav';
import { formList, objectId } from '../web/validation';
import { canManagePeople, canViewCoachHome, canViewStaffConsole } from './policy';
import { HOME_TITLES, homeLinks, identityCard, personRow } from './presenter';
import * as users from './service';
import { GRANTS } from './service';

const HOME_POLICY: Record<HomeKind, (a: ReturnType<typeof actorOf>) => boolean> = {
  teacher: () => true,
  coach: canViewCoachHome,
  staff: canViewStaffConsole,
};

const GrantsForm = z.object({ grants: formList(z.enum(GRANTS)) });
const CoachesForm = z.object({ coachIds: formList(objectId) });
const PeopleQuery = z.object({ q: z.string().max(100).optional().default('') });

export function usersRouter(): Router {
  const router = Router();
  addNavItem({ label: 'Home', path: '/dashboard', section: 'mine', order: 10, visible: () => true });
  addNavItem({ label: HOME_TITLES.coach, path: '/coach', section: 'mine', order: 20, visible: canViewCoachHome });
  addNavItem({ label: HOME_TITLES.staff, path: '/staff', section: 'mine', order: 30, visible: canViewStaffConsole });
  addNavItem({ label: 'People', path: '/people', section: 'district', order: 90, visible: canViewStaffConsole });

  for (const [kind, path] of [['teacher', '/dashboard'], ['coach', '/coach'], ['staff', '/staff']] as const) {
    router.get(path, handle(async (_req, res) => {
      const actor = actorOf(res);
      if (!HOME_POLICY[kind](actor)) throw new Forbidden(`The ${HOME_TITLES[kind]} is not available to you.`);
      const panels = await homePanels(kind, actor);
      res.render('users/home', { title: HOME_TITLES[kind], kind, me: identityCard(actor), homes: homeLinks(actor), panels });
    }));
  }

  router.get('/people', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canViewStaffConsole(actor)) throw new Forbidden('Only PD staff can manage people.');
    const { q } = PeopleQuery.parse(req.query);
    const people = await users.searchUsers(actor.tenantId, q);
    const coaches = await users.listCoaches(actor.tenantId);
    const names = new Map(people.concat(coaches).map((u) => [String(u._id), u.name || u.aliases?.email || 'Unnamed']));
    res.render('users/people', { title: 'People', q, people: people.map((p) => personRow(p, names)), coaches: coaches.map((c) => ({ id: String(c._id), name: c.name })), grants: GRANTS });
  }));

  router.post('/people/:id/grants', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const person = await users.getUser(actor.tenantId, objectId.parse(req.params.id));
    if (!canManagePeople(actor, person)) throw new Forbidden('Only PD staff can change roles.');
    await users.setGrants(actor.tenantId, person._id, GrantsForm.parse(req.body).grants, { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link('/people', { q: person.name }));
  }));

  router.post('/people/:id/coaches', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const person = await users.getUser(actor.tenantId, objectId.parse(req.params.id));
    if (!canManagePeople(actor, person)) throw new Forbidden('Only PD staff can assign coaches.');
    const { coachIds } = CoachesForm.parse(req.body);
    await users.setCoaches(actor.tenantId, person._id, coachIds.map((id) => new Types.ObjectId(id)), { userId: actor.userId, name: actor.name });
    res.redirect(303, res.locals.link('/people', { q: person.name }));
  }));

  return router;
}
