import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { handle } from '../web/route';
import { actorOf, requireCsrf } from '../web/request';
import { fieldErrors, Forbidden, NotFound } from '../kernel/errors';
import { formList, objectId } from '../kernel/validation';
import { homeFacts, homePanels } from '../web/homes';
import { HomeKind, nextStep } from '../web/nextStep';
import { addNavItem } from '../web/nav';
import { canManagePeople, canViewCoachHome, canViewFacilitatorHome, canViewStaffConsole } from './policy';
import { HOME_TITLES, homeLinks, identityCard, listOf, personRow, roleLabel } from './presenter';
import * as users from './service';
import { GRANTS } from './service';

const HOME_POLICY: Record<HomeKind, (a: ReturnType<typeof actorOf>) => boolean> = {
  teacher: () => true,
  coach: canViewCoachHome,
  staff: canViewStaffConsole,
  facilitator: canViewFacilitatorHome,
};

const GrantsForm = z.object({ grants: formList(z.enum(GRANTS)) });
const CoachesForm = z.object({ coachIds: formList(objectId) });
const PAGE_SIZE = 25;
const PeopleQuery = z.object({
  q: z.string().max(100).optional().default(''),
  page: z.coerce.number().int().min(1).max(100_000).optional().default(1),
});
const BulkGrantForm = z.object({
  userIds: formList(objectId).refine((ids) => ids.length > 0, 'Tick at least one person'),
  grant: z.enum(GRANTS, { message: 'Choose a role' }),
  change: z.enum(['add', 'remove'], { message: 'Choose whether to give or take away the role' }),
  q: z.string().max(100).optional().default(''),
  page: z.coerce.number().int().min(1).optional().default(1),
});
/** What the confirmation after a bulk change may say: only ids and known words, never free text. */
const DoneQuery = z.object({
  done: z.enum(['add', 'remove']),
  grant: z.enum(GRANTS),
  changed: z.string().max(25 * 25).optional().default(''),
  unchanged: z.string().max(25 * 25).optional().default(''),
});

/** Its links in the top navigation. */
export function registerUserPages(): void {
  addNavItem({ label: 'Home', path: '/dashboard', section: 'mine', order: 10, visible: () => true });
  addNavItem({ label: HOME_TITLES.coach, path: '/coach', section: 'mine', order: 20, visible: canViewCoachHome });
  addNavItem({ label: HOME_TITLES.facilitator, path: '/facilitator', section: 'mine', order: 22, visible: canViewFacilitatorHome });
  addNavItem({ label: HOME_TITLES.staff, path: '/staff', section: 'mine', order: 30, visible: canViewStaffConsole });
  addNavItem({ label: 'People', path: '/people', section: 'district', order: 90, visible: canViewStaffConsole });
}

export function usersRouter(): Router {
  const router = Router();

  for (const [kind, path] of [['teacher', '/dashboard'], ['coach', '/coach'], ['staff', '/staff'], ['facilitator', '/facilitator']] as const) {
    router.get(path, handle(async (_req, res) => {
      const actor = actorOf(res);
      if (!HOME_POLICY[kind](actor)) throw new Forbidden(`The ${HOME_TITLES[kind]} is not available to you.`);
      const panels = await homePanels(kind, actor);
      const facts = homeFacts(panels);
      if (kind === 'staff' && canManagePeople(actor, actor)) facts.people = { pending: await users.countPending(actor.tenantId) };
      res.render('users/home', { title: HOME_TITLES[kind], kind, next: nextStep(kind, facts), me: identityCard(actor), homes: homeLinks(actor), panels });
    }));
  }

  async function renderPeople(res: Response, query: { q: string; page: number }, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const actor = actorOf(res);
    const total = await users.countUsers(actor.tenantId, query.q);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const page = Math.min(query.page, pages);
    const [people, coaches] = await Promise.all([users.searchUsers(actor.tenantId, query.q, PAGE_SIZE, (page - 1) * PAGE_SIZE), users.listCoaches(actor.tenantId)]);
    const names = new Map(people.concat(coaches).map((u) => [String(u._id), u.name || u.aliases?.email || 'Unnamed']));
    res.status(status).render('users/people', {
      title: 'People',
      q: query.q,
      paging: { page, pages, total, first: total ? (page - 1) * PAGE_SIZE + 1 : 0, last: Math.min(total, page * PAGE_SIZE) },
      people: people.map((p) => personRow(p, names)),
      coaches: coaches.map((c) => ({ id: String(c._id), name: c.name })),
      grants: GRANTS.map((g) => ({ value: g, label: roleLabel(g) })),
      values: { grant: '', change: 'add', userIds: [] as string[] },
      errors: {},
      ...extra,
    });
  }

  /** "Approver given to Maya Patel and Jordan Lee; Chris Okafor already had it." */
  async function confirmation(res: Response, raw: unknown): Promise<string | undefined> {
    const done = DoneQuery.safeParse(raw);
    if (!done.success) return undefined;
    const ids = (list: string) => list.split(',').filter((id) => objectId.safeParse(id).success).map((id) => new Types.ObjectId(id));
    const who = async (list: string) => (await users.listUsers(actorOf(res).tenantId, { ids: ids(list) })).map((u) => u.name || u.aliases?.email || 'Unnamed');
    const [changed, unchanged] = await Promise.all([who(done.data.changed), who(done.data.unchanged)]);
    const role = roleLabel(done.data.grant);
    const verb = done.data.done === 'add' ? `${role} given to` : `${role} taken away from`;
    const parts = [changed.length ? `${verb} ${listOf(changed)}.` : 'Nothing changed.'];
    if (unchanged.length) parts.push(`${listOf(unchanged)} ${done.data.done === 'add' ? 'already had it' : 'did not have it'}.`);
    return parts.join(' ');
  }

  router.get('/people', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canViewStaffConsole(actor)) throw new Forbidden('Only PD staff can manage people.');
    await renderPeople(res, PeopleQuery.parse(req.query), { done: await confirmation(res, req.query) });
  }));

  router.post('/people/grants', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canViewStaffConsole(actor)) throw new Forbidden('Only PD staff can change roles.');
    const parsed = BulkGrantForm.safeParse(req.body);
    if (!parsed.success) {
      const body = req.body as Record<string, unknown>;
      const back = PeopleQuery.safeParse({ q: body.q, page: body.page });
      const values = { grant: String(body.grant ?? ''), change: String(body.change ?? 'add'), userIds: formList(z.string()).catch([]).parse(body.userIds) };
      return renderPeople(res, back.success ? back.data : { q: '', page: 1 }, { values, errors: fieldErrors(parsed.error), message: 'Nothing was changed.' }, 400);
    }
    const f = parsed.data;
    const chosen = await users.listUsers(actor.tenantId, { ids: f.userIds.map((id) => new Types.ObjectId(id)) });
    if (chosen.length !== new Set(f.userIds).size || !chosen.every((p) => canManagePeople(actor, p))) throw new NotFound('One of the chosen people');
    const result = await users.changeGrant(actor.tenantId, chosen.map((p) => p._id), { grant: f.grant, change: f.change }, { userId: actor.userId, name: actor.name });
    const ids = (list: users.UserDoc[]) => list.map((u) => String(u._id)).join(',');
    res.redirect(303, res.locals.link('/people', { q: f.q || undefined, page: f.page > 1 ? f.page : undefined, done: f.change, grant: f.grant, changed: ids(result.changed), unchanged: ids(result.unchanged) }));
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
