import express, { ErrorRequestHandler, Request, Response, Router } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import { TIMESTAMP_HEADER, SIGNATURE_HEADER } from '../lms/webhook';
import { Actor } from '../kernel/actor';
import { toAppError } from '../web/errors';
import { actorOf, requireCsrf } from '../web/request';
import { FieldErrors, Forbidden, NotFound } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { objectId } from '../kernel/validation';
import { logger } from '../log';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import * as policy from './policy';
import * as view from './presenter';
import * as completions from './service';

const WEBHOOK_BODY_LIMIT = '256kb';
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 2 * 1024 * 1024, files: 1 } });

const Id = z.object({ id: objectId });
const KindParam = z.object({ kind: z.enum(completions.SOURCE_KINDS) });
const HookKindParam = z.object({ kind: z.enum(completions.HOOK_KINDS) });
const PollKindParam = z.object({ kind: z.enum(completions.POLL_KINDS) });
const blankAsUndefined = (v: unknown) => (v === '' ? undefined : v);
const LedgerQuery = z.object({
  status: z.preprocess(blankAsUndefined, z.enum(completions.EVENT_STATUSES).optional()),
  source: z.preprocess(blankAsUndefined, z.enum(completions.SOURCE_KINDS).optional()),
  q: z.string().trim().max(100).optional().default(''),
});
const MappingsQuery = z.object({
  q: z.string().trim().max(100).optional().default(''),
  activity: z.string().trim().max(100).optional().default(''),
  course: z.string().trim().max(100).optional().default(''),
});
const HookQuery = z.object({ token: z.string().max(200).optional() });

function byOf(actor: Actor): completions.ChangedBy {
  return { userId: actor.userId, name: actor.name };
}

/** Every completion-sync page is for the actor's tenant's PD staff; `check` names the specific rule. */
function requireStaff(actor: Actor, check: (actor: Actor, thing: { tenantId: Types.ObjectId }) => boolean): void {
  if (!check(actor, { tenantId: actor.tenantId })) throw new Forbidden('Only PD staff can manage completion sync.');
}

async function configurableSource(actor: Actor, kind: completions.SourceKind): Promise<completions.CompletionSourceDoc> {
  const source = await completions.getSource(actor.tenantId, kind);
  if (!policy.canConfigureSource(actor, source)) throw new Forbidden('Only PD staff can configure completion sources.');
  return source;
}

async function ledgerEvent(actor: Actor, id: string, may: (actor: Actor, ev: completions.CompletionEventDoc) => boolean): Promise<completions.CompletionEventDoc> {
  const ev = await completions.getEvent(actor.tenantId, id);
  if (!may(actor, ev)) throw new Forbidden('Only PD staff can read and replay the completion ledger.');
  return ev;
}

async function importJob(actor: Actor, id: string): Promise<completions.CompletionImportDoc> {
  const job = await completions.getImport(actor.tenantId, id);
  if (!policy.canImportCompletions(actor, job)) throw new Forbidden('Only PD staff can import completions.');
  return job;
}

async function renderSource(res: Response, kind: completions.SourceKind, values?: view.SourceFormValues, errors: FieldErrors = {}, message?: string): Promise<void> {
  const source = await completions.getSource(actorOf(res).tenantId, kind);
  const page = view.sourcePage(source, values ?? view.sourceValues(source), errors);
  res.render('completions/source', { title: page.label, message, page });
}

async function renderMappings(req: Request, res: Response, form: { values?: Record<string, string>; errors?: FieldErrors; message?: string } = {}): Promise<void> {
  const actor = actorOf(res);
  const query = MappingsQuery.parse(req.query);
  const [courses, mappings, activities, all] = await Promise.all([
    completions.coursesSeen(actor.tenantId, query.q),
    completions.listMappings(actor.tenantId),
    completions.searchActivities(actor.tenantId, query.activity),
    completions.searchActivities(actor.tenantId, ''),
  ]);
  const titles = new Map(all.map((a) => [String(a._id), a.title]));
  res.render('completions/mappings', {
    title: 'Course mappings',
    query,
    courses: courses.map((c) => view.courseRow(c, titles)),
    mappings: mappings.map((m) => view.mappingRow(m, titles)),
    activities: activities.map((a) => ({ id: String(a._id), title: a.title, lmsCourseId: a.lmsCourseId ?? '' })),
    values: { system: 'lms', courseId: query.course, activityId: '', ...form.values },
    errors: form.errors ?? {},
    message: form.message,
  });
}

function renderImport(res: Response, result?: { message: string; errors: completions.RowError[]; total: number }): void {
  res.render('completions/import', { title: 'Import completions', columns: completions.CSV_COLUMNS, maxRows: completions.MAX_IMPORT_ROWS, result: result && { ...result, errors: view.importErrorsView(result.errors) } });
}

/** Its link in the top navigation, and the staff's and teacher's home panels. */
export function registerCompletionPages(): void {
  addNavItem({ label: 'Completion sync', path: '/completions', section: 'district', order: 70, visible: policy.canOpenCompletionSync });
  addHomePanel('staff', async (actor) => {
    if (!policy.canReadLedger(actor, { tenantId: actor.tenantId })) return undefined;
    const raw = await completions.syncOverview(actor.tenantId);
    const sync = { failingSources: raw.sources.filter((s) => s.enabled && s.failing).length, waiting: raw.byStatus['unmatched-user'] + raw.byStatus['unmatched-course'] };
    return { order: 40, view: 'completions/panel-staff', data: { sync: view.overviewView(raw) }, facts: { sync } };
  });
  addHomePanel('teacher', async (actor) => {
    const mine = (await completions.recentForPerson(actor.tenantId, actor.userId)).filter((ev) => policy.canSeeOwnSyncHistory(actor, ev));
    return mine.length ? { order: 60, view: 'completions/panel-teacher', data: { history: mine.map(view.historyRow) } } : undefined;
  });
}

/** PD-staff pages: sources, ledger, event timelines, mappings and CSV import. */
export function completionsRouter(): Router {
  const router = Router();

  router.get('/completions', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor, policy.canReadLedger);
    res.render('completions/index', { title: 'Completion sync', sync: view.summaryView(await completions.syncSummary(actor.tenantId)) });
  }));

  router.get('/completions/sources/:kind', handle(async (req, res) => {
    const { kind } = KindParam.parse(req.params);
    requireStaff(actorOf(res), policy.canConfigureSource);
    await renderSource(res, kind);
  }));

  router.post('/completions/sources/:kind', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const { kind } = KindParam.parse(req.params);
      await configurableSource(actor, kind);
      await completions.configureSource(actor.tenantId, kind, req.body, byOf(actor));
      res.redirect(303, res.locals.link(`/completions/sources/${kind}`, { saved: 1 }));
    },
    async (req, res, err) => renderSource(res, KindParam.parse(req.params).kind, view.valuesFromForm(req.body), err.fields, err.message),
  ));

  // The new URL and secret are shown in this answer only (never stored readable, never shown again).
  router.post('/completions/sources/:kind/secrets', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const { kind } = HookKindParam.parse(req.params);
    await configurableSource(actor, kind);
    const issued = await completions.issueHookSecrets(actor.tenantId, kind, byOf(actor));
    res.set('Cache-Control', 'no-store');
    res.render('completions/secrets', { title: `New secrets: ${completions.SOURCE_LABELS[kind]}`, kind, label: completions.SOURCE_LABELS[kind], issued });
  }));

  router.post('/completions/sources/:kind/sync', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const { kind } = PollKindParam.parse(req.params);
    await configurableSource(actor, kind);
    await completions.requestSync(actor.tenantId, kind, byOf(actor));
    res.redirect(303, res.locals.link(`/completions/sources/${kind}`, { syncing: 1 }));
  }));

  router.get('/completions/ledger', handle(async (req, res) => {
    const actor = actorOf(res);
    requireStaff(actor, policy.canReadLedger);
    const query = LedgerQuery.parse(req.query);
    const events = await completions.listEvents(actor.tenantId, query);
    res.render('completions/ledger', { title: 'Completion ledger', query, statuses: view.statusOptions(), sources: view.sourceOptions(), events: events.map(view.ledgerRow) });
  }));

  router.get('/completions/events/:id', handle(async (req, res) => {
    const ev = await ledgerEvent(actorOf(res), Id.parse(req.params).id, policy.canReadLedger);
    res.render('completions/event', { title: 'Completion event', event: view.eventPage(ev) });
  }));

  router.post('/completions/events/:id/replay', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const ev = await ledgerEvent(actor, Id.parse(req.params).id, policy.canReplayEvent);
    await completions.replayEvent(actor.tenantId, ev._id, byOf(actor));
    res.redirect(303, res.locals.link(`/completions/events/${ev._id}`));
  }));

  router.get('/completions/mappings', handle(async (req, res) => {
    requireStaff(actorOf(res), policy.canManageMappings);
    await renderMappings(req, res);
  }));

  router.post('/completions/mappings', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      requireStaff(actor, policy.canManageMappings);
      const { replayed } = await completions.createMapping(actor.tenantId, req.body, byOf(actor));
      res.redirect(303, res.locals.link('/completions/mappings', { replayed }));
    },
    async (req, res, err) => {
      const body = req.body as Record<string, unknown>;
      const values = Object.fromEntries(['system', 'courseId', 'activityId'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string) : '']));
      await renderMappings(req, res, { values, errors: err.fields, message: err.message });
    },
  ));

  router.post('/completions/mappings/:id/delete', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    requireStaff(actor, policy.canManageMappings);
    await completions.deleteMapping(actor.tenantId, new Types.ObjectId(Id.parse(req.params).id), byOf(actor));
    res.redirect(303, res.locals.link('/completions/mappings'));
  }));

  router.get('/completions/import', handle(async (_req, res) => {
    requireStaff(actorOf(res), policy.canImportCompletions);
    renderImport(res);
  }));

  router.post('/completions/import', upload.single('file'), requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    requireStaff(actor, policy.canImportCompletions);
    if (!req.file) {
      res.status(400);
      return renderImport(res, { message: 'Choose a CSV file to upload.', errors: [], total: 0 });
    }
    const preview = await completions.previewImport(actor.tenantId, { name: req.file.originalname, text: req.file.buffer.toString('utf8') }, byOf(actor));
    if (!preview.ok) {
      res.status(400);
      return renderImport(res, { message: 'The file was not imported: fix these rows and upload it again. Nothing was recorded.', errors: preview.errors, total: preview.total });
    }
    res.render('completions/preview', { title: 'Check the import', importId: String(preview.importId), total: preview.total, sample: preview.sample.map((r) => ({ ...r, completedOn: r.completedAt.slice(0, 10) })) });
  }));

  router.post('/completions/imports/:id/start', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const job = await importJob(actor, Id.parse(req.params).id);
    await completions.startImport(actor.tenantId, job._id, byOf(actor));
    res.redirect(303, res.locals.link(`/completions/imports/${job._id}`));
  }));

  router.get('/completions/imports/:id', handle(async (req, res) => {
    const job = await importJob(actorOf(res), Id.parse(req.params).id);
    res.render('completions/progress', { title: 'Importing completions', job: view.importStatus(job) });
  }));

  router.get('/api/completions/imports/:id', handle(async (req, res) => {
    const job = await importJob(actorOf(res), Id.parse(req.params).id);
    res.set('Cache-Control', 'no-store').json(view.importStatus(job));
  }));

  return router;
}

/** One log line per refused delivery: path, status and reason, never the token, body or signature. */
const logRefusal: ErrorRequestHandler = (err, req, _res, next) => {
  const known = toAppError(err);
  logger().warn({ reqId: req.id, path: req.path, status: known?.status ?? 500, reason: known?.message ?? 'unexpected error' }, 'completion delivery refused');
  next(err);
};

function accepted(res: Response, result: completions.BatchResult): void {
  res.status(202).json({ status: 'accepted', received: result.received, duplicates: result.duplicates, ...(result.ignored ? { ignored: result.ignored } : {}) });
}

/**
 * LMS-facing webhooks (no LTI session): the raw body is kept for signature checks, each delivery is
 * written to the ledger before the 202, and matching runs after the answer.
 */
export function completionHooksRouter(): Router {
  const router = Router();
  const rawText = express.text({ type: () => true, limit: WEBHOOK_BODY_LIMIT });
  const bodyOf = (req: Request) => (typeof req.body === 'string' ? req.body : '');

  router.post(completions.hookPath('canvas-live'), rawText, handle(async (req, res) => {
    accepted(res, await completions.receiveLiveEvent(HookQuery.parse(req.query).token, bodyOf(req)));
  }));

  router.post(completions.hookPath('webhook'), rawText, handle(async (req, res) => {
    const headers = { timestamp: req.get(TIMESTAMP_HEADER), signature: req.get(SIGNATURE_HEADER) };
    accepted(res, await completions.receiveWebhook(HookQuery.parse(req.query).token, bodyOf(req), headers));
  }));

  router.all('/hooks/completions/:kind', (_req, _res, next) => next(new NotFound('That completion hook')));
  router.use(logRefusal);
  return router;
}

