import { Response, Router } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as groups from '../../groups/service';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { FieldErrors, Forbidden, Invalid } from '../../kernel/errors';
import { formList, objectId } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canAssignPathway, canRunAssignment } from '../policy';
import { batchStatus, batchView } from '../presenter';
import * as pathways from '../service';
import { managedPathway, Params, requireStaff, STAFF_ONLY } from './common';

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 2 * 1024 * 1024, files: 1 } });
const SearchQuery = z.object({ q: z.string().trim().max(100).optional().default('') });
const PeopleForm = z.object({ userIds: formList(objectId), dueAt: z.string().max(40).optional() });
const GroupForm = z.object({ groupId: z.string('Choose a group').regex(/^[a-f0-9]{24}$/i, 'Choose a group'), dueAt: z.string().max(40).optional() });
const CourseForm = z.object({
  contextId: z.string('Choose a course').min(1, 'Choose a course').max(255),
  role: z.enum(['', 'Learner', 'Instructor', 'Mentor', 'TeachingAssistant'], 'Choose a role').optional().default(''),
  dueAt: z.string().max(40).optional(),
});
interface AssignPageExtras {
  q?: string;
  errors?: FieldErrors;
  message?: string;
  section?: string;
}

async function renderAssign(res: Response, actor: Actor, p: pathways.PathwayDoc, extras: AssignPageExtras = {}): Promise<void> {
  const q = extras.q ?? '';
  const [found, allGroups, courses] = await Promise.all([q ? users.searchUsers(actor.tenantId, q, 100) : Promise.resolve([]), groups.listGroups(actor.tenantId), tenants.listContexts(actor.tenantId)]);
  res.render('pathways/assign', {
    title: `Assign ${p.title}`,
    pathway: { id: String(p._id), title: p.title, version: p.version },
    q,
    found: found.map((u) => ({ id: String(u._id), name: u.name || u.aliases?.email || 'Unnamed', email: u.aliases?.email ?? '', pending: u.status === 'pending' })),
    groups: allGroups.map((g) => ({ value: String(g._id), label: `${g.name} (${g.memberIds.length})` })),
    courses: courses.filter((c) => c.nrps?.url).map((c) => ({ value: c.contextId, label: `${c.title || c.contextId}${c.label ? ` (${c.label})` : ''}` })),
    errors: extras.errors ?? {},
    message: extras.message,
    section: extras.section,
    values: res.req.body ?? {},
  });
}

async function assignable(actor: Actor, id: string): Promise<pathways.PathwayDoc> {
  const p = await managedPathway(actor, id);
  if (!canAssignPathway(actor, p)) throw new Invalid('Only the published version of a pathway can be assigned; publish the draft first.');
  return p;
}

async function batchFor(actor: Actor, id: string): Promise<pathways.AssignmentBatchDoc> {
  const batch = await pathways.getBatch(actor.tenantId, id);
  if (!canRunAssignment(actor, batch)) throw new Forbidden(STAFF_ONLY);
  return batch;
}

/** Assigning a pathway to people, a group or a course roster. */
export function assignRoutes(router: Router): void {
  router.get('/pathways/:id/assign', handle(async (req, res) => {
    const actor = actorOf(res);
    const p = await assignable(actor, Params.parse(req.params).id);
    await renderAssign(res, actor, p, { q: SearchQuery.parse(req.query).q, section: 'people' });
  }));

  const assignBy = (section: string, plan: (actor: Actor, p: pathways.PathwayDoc, body: unknown) => Promise<pathways.AssignmentBatchDoc>, preview: boolean) =>
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const p = await assignable(actor, Params.parse(req.params).id);
        const batch = await plan(actor, p, req.body);
        if (!preview) await pathways.applyBatch(actor.tenantId, batch._id, actor);
        res.redirect(303, res.locals.link(`/pathways/batches/${batch._id}`));
      },
      async (req, res, err) => {
        const actor = actorOf(res);
        await renderAssign(res, actor, await assignable(actor, Params.parse(req.params).id), { errors: err.fields, message: err.message, section, q: typeof req.body?.q === 'string' ? req.body.q : '' });
      },
    );

  router.post('/pathways/:id/assign/people', requireCsrf, assignBy('people', (actor, p, body) => {
    const form = PeopleForm.parse(body);
    return pathways.planForPeople(actor.tenantId, p._id, form.userIds.map((id) => new Types.ObjectId(id)), form.dueAt, actor);
  }, false));
  router.post('/pathways/:id/assign/group', requireCsrf, assignBy('group', (actor, p, body) => {
    const form = GroupForm.parse(body);
    return pathways.planForGroup(actor.tenantId, p._id, new Types.ObjectId(form.groupId), form.dueAt, actor);
  }, false));
  router.post('/pathways/:id/assign/course', requireCsrf, assignBy('course', (actor, p, body) => {
    const form = CourseForm.parse(body);
    return pathways.planForCourse(actor.tenantId, p._id, form.contextId, form.role || undefined, form.dueAt, actor);
  }, true));
}

/** Assignment files and the batches they (and the assign forms) become: preview, apply, progress. */
export function importRoutes(router: Router): void {
  router.get('/pathways/import', handle(async (_req, res) => {
    requireStaff(actorOf(res));
    res.render('pathways/import', { title: 'Assign pathways from a CSV file', problems: [], maxRows: pathways.MAX_CSV_ROWS });
  }));

  router.post('/pathways/import', upload.single('file'), requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireStaff(actor);
      if (!req.file) throw new Invalid('Choose a CSV file to upload; nothing was assigned.', { file: 'Choose a CSV file' });
      const batch = await pathways.planFromCsv(actor.tenantId, req.file.buffer.toString('utf8'), req.file.originalname || 'upload.csv', actor.platform.family, actor);
      res.redirect(303, res.locals.link(`/pathways/batches/${batch._id}`));
    },
    async (_req, res, err) => {
      requireStaff(actorOf(res));
      res.render('pathways/import', { title: 'Assign pathways from a CSV file', message: err.message, problems: Object.entries(err.fields).map(([line, message]) => ({ line, message })), maxRows: pathways.MAX_CSV_ROWS });
    },
  ));

  const renderBatch = async (res: Response, batch: pathways.AssignmentBatchDoc, err?: Invalid) =>
    res.render('pathways/batch', { title: `Assignment: ${batch.label}`, batch: batchView(batch, await pathways.batchPathways(actorOf(res).tenantId, batch)), pendingToConfirm: pathways.pendingToConfirm(batch), message: err?.message, errors: err?.fields ?? {} });

  router.get('/pathways/batches/:id', handle(async (req, res) => {
    await renderBatch(res, await batchFor(actorOf(res), Params.parse(req.params).id));
  }));

  router.post('/pathways/batches/:id/apply', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const batch = await batchFor(actor, Params.parse(req.params).id);
      await pathways.applyBatch(actor.tenantId, batch._id, actor, { createPending: req.body.createPending === 'on' });
      res.redirect(303, res.locals.link(`/pathways/batches/${batch._id}`));
    },
    async (req, res, err) => renderBatch(res, await batchFor(actorOf(res), Params.parse(req.params).id), err),
  ));

  router.get('/api/pathways/batches/:id', handle(async (req, res) => {
    const batch = await batchFor(actorOf(res), Params.parse(req.params).id);
    res.set('Cache-Control', 'no-store').json(batchStatus(batch));
  }));
}
