import { Response, Router } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as users from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { FieldErrors, Forbidden, Invalid } from '../kernel/errors';
import { formList, objectId } from '../kernel/validation';
import { formRoute } from '../web/forms';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import { canCreateGroup, canManageGroup } from './policy';
import { csvProblems, EMPTY_GROUP, groupForm, GroupFormValues, groupRow, personRow, valuesFromForm, valuesFromGroup } from './presenter';
import * as groups from './service';

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1024 * 1024, files: 1 } });
const Params = z.object({ id: objectId });
const MemberParams = z.object({ id: objectId, userId: objectId });
const SearchQuery = z.object({ q: z.string().trim().max(100).optional().default('') });
const MembersForm = z.object({ userIds: formList(objectId) });

function requireStaff(actor: Actor): void {
  if (!canCreateGroup(actor)) throw new Forbidden('Only PD staff can manage schools and groups.');
}

async function managedGroup(actor: Actor, id: string): Promise<groups.GroupDoc> {
  const group = await groups.getGroup(actor.tenantId, id);
  if (!canManageGroup(actor, group)) throw new Forbidden('Only PD staff can manage schools and groups.');
  return group;
}

async function renderIndex(res: Response, values: GroupFormValues, errors: FieldErrors = {}, message?: string): Promise<void> {
  const all = await groups.listGroups(actorOf(res).tenantId);
  res.render('groups/index', { title: 'Schools and groups', groups: all.map(groupRow), message, ...groupForm(values, errors) });
}

interface GroupPageExtras {
  q?: string;
  values?: GroupFormValues;
  errors?: FieldErrors;
  message?: string;
  importProblems?: { line: string; message: string }[];
  importMessage?: string;
}

async function renderGroup(res: Response, group: groups.GroupDoc, extras: GroupPageExtras = {}): Promise<void> {
  const actor = actorOf(res);
  const members = await users.listUsers(actor.tenantId, { ids: group.memberIds });
  const memberSet = new Set(group.memberIds.map(String));
  const q = extras.q ?? '';
  const found = q ? (await users.searchUsers(actor.tenantId, q, 50)).filter((u) => !memberSet.has(String(u._id))) : [];
  res.render('groups/show', {
    title: group.name,
    group: groupRow(group),
    members: members.map(personRow),
    q,
    found: found.map(personRow),
    added: typeof res.req.query.added === 'string' ? res.req.query.added : undefined,
    importProblems: extras.importProblems ?? [],
    importMessage: extras.importMessage,
    message: extras.message,
    ...groupForm(extras.values ?? valuesFromGroup(group), extras.errors),
  });
}

/** Its links in the top navigation. */
export function registerGroupPages(): void {
  addNavItem({ label: 'Groups', path: '/groups', section: 'district', order: 75, visible: canCreateGroup });
}

export function groupsRouter(): Router {
  const router = Router();

  router.get('/groups', handle(async (_req, res) => {
    requireStaff(actorOf(res));
    await renderIndex(res, EMPTY_GROUP);
  }));

  router.post('/groups', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireStaff(actor);
      const created = await groups.createGroup(actor.tenantId, req.body, actor);
      res.redirect(303, res.locals.link(`/groups/${created._id}`));
    },
    async (req, res, err) => {
      requireStaff(actorOf(res));
      await renderIndex(res, valuesFromForm(req.body), err.fields, err.message);
    },
  ));

  router.get('/groups/:id', handle(async (req, res) => {
    const group = await managedGroup(actorOf(res), Params.parse(req.params).id);
    await renderGroup(res, group, { q: SearchQuery.parse(req.query).q });
  }));

  router.post('/groups/:id', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const group = await managedGroup(actor, Params.parse(req.params).id);
      await groups.updateGroup(actor.tenantId, group._id, req.body, actor);
      res.redirect(303, res.locals.link(`/groups/${group._id}`));
    },
    async (req, res, err) => {
      const group = await managedGroup(actorOf(res), Params.parse(req.params).id);
      await renderGroup(res, group, { values: valuesFromForm(req.body), errors: err.fields, message: err.message });
    },
  ));

  router.post('/groups/:id/delete', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await managedGroup(actor, Params.parse(req.params).id);
    await groups.deleteGroup(actor.tenantId, group._id, actor);
    res.redirect(303, res.locals.link('/groups'));
  }));

  router.post('/groups/:id/members', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await managedGroup(actor, Params.parse(req.params).id);
    const { userIds } = MembersForm.parse(req.body);
    const added = await groups.addMembers(actor.tenantId, group._id, userIds.map((id) => new Types.ObjectId(id)), actor);
    res.redirect(303, res.locals.link(`/groups/${group._id}`, { added }));
  }));

  router.post('/groups/:id/members/:userId/remove', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const { id, userId } = MemberParams.parse(req.params);
    const group = await managedGroup(actor, id);
    await groups.removeMember(actor.tenantId, group._id, new Types.ObjectId(userId), actor);
    res.redirect(303, res.locals.link(`/groups/${group._id}`));
  }));

  router.post('/groups/:id/import', upload.single('file'), requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const group = await managedGroup(actor, Params.parse(req.params).id);
      if (!req.file) throw new Invalid('Choose a CSV file to upload.', { file: 'Choose a CSV file' });
      const result = await groups.importMembers(actor.tenantId, group._id, req.file.buffer.toString('utf8'), actor.platform.family, actor);
      res.redirect(303, res.locals.link(`/groups/${group._id}`, { added: result.added }));
    },
    async (req, res, err) => {
      const group = await managedGroup(actorOf(res), Params.parse(req.params).id);
      await renderGroup(res, group, { importMessage: err.message, importProblems: csvProblems(err.fields) });
    },
  ));

  return router;
}
