import { Request, Response, Router } from 'express';
import { handle } from '../web/route';
import multer from 'multer';
import { z } from 'zod';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { FieldErrors, Forbidden, Invalid } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { objectId, unflatten } from '../kernel/validation';
import { addNavItem } from '../web/nav';
import { canCreateFramework, canManageFramework, canReadFramework } from './policy';
import { EMPTY_FRAMEWORK, frameworkForm, frameworkPage, frameworkRow, FrameworkFormValues, importErrors, valuesFromForm, valuesFromFramework } from './presenter';
import * as frameworks from './service';
import * as caseFrameworks from './caseService';
import { looksLikeCase } from './casePackage';

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 512 * 1024, files: 1 } });
const ImportForm = z.object({ json: z.string().max(600_000).optional().default('') });
const Params = z.object({ id: objectId });

type Row = Record<string, unknown>;
const filled = (v: unknown) => (Array.isArray(v) ? v.some(filled) : typeof v === 'string' && v.trim() !== '');

/** Drops rows marked for removal and untouched empty rows, remembering where each kept row was in the form. */
function keptRows(list: unknown, fields: string[]): { rows: Row[]; formIndex: number[] } {
  const rows: Row[] = [];
  const formIndex: number[] = [];
  (Array.isArray(list) ? list : []).forEach((raw, i) => {
    const row = (raw && typeof raw === 'object' ? raw : {}) as Row;
    if (row.remove || !fields.some((f) => filled(row[f]))) return;
    rows.push(row);
    formIndex.push(i);
  });
  return { rows, formIndex };
}

/** The edit form (unflattened) as the import/export shape; errors on kept rows are moved back to their form rows. */
function inputFromForm(body: Row): { input: unknown; toFormField: (path: string) => string } {
  const domains = keptRows(body.domains, ['code', 'name']);
  const competencies = keptRows(body.competencies, ['code', 'name', 'description', 'levels']);
  const maps: Record<string, number[]> = { domains: domains.formIndex, competencies: competencies.formIndex };
  return {
    input: { key: filled(body.key) ? body.key : undefined, name: body.name, description: body.description, domains: domains.rows, competencies: competencies.rows },
    toFormField: (path) => {
      const [list, index, ...rest] = path.split('.');
      const at = maps[list ?? '']?.[Number(index)];
      return at === undefined ? path : [list, at, ...rest].join('.');
    },
  };
}

function formErrorsOf(err: Invalid, toFormField: (path: string) => string): FieldErrors {
  return Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [toFormField(k), v]));
}

function requireStaff(actor: Actor): void {
  if (!canCreateFramework(actor)) throw new Forbidden('Only PD staff can manage competency frameworks.');
}

async function managedFramework(actor: Actor, id: string) {
  const doc = await frameworks.getFramework(actor.tenantId, id);
  if (!canManageFramework(actor, doc)) throw new Forbidden('Only PD staff can manage competency frameworks.');
  return doc;
}

function parsedJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Invalid('That is not valid JSON; nothing was saved.', { json: `Not valid JSON: ${(err as Error).message}` });
  }
}

/** A PD Pathways framework file or a CASE package, told apart by its CFDocument. */
async function importAny(actor: Actor, json: string): Promise<{ _id: unknown }> {
  const raw = parsedJson(json);
  if (looksLikeCase(raw)) return (await caseFrameworks.importCasePackage(actor.tenantId, raw, actor)).framework;
  return (await frameworks.importFramework(actor.tenantId, frameworks.validateFramework(raw), actor)).framework;
}

function renderForm(res: Response, title: string, action: string, values: FrameworkFormValues, errors: FieldErrors = {}, message?: string) {
  res.render('frameworks/edit', { title, action, message, ...frameworkForm(values, errors) });
}

/** Saves the edit form through `save`; Invalid input comes back with errors keyed by form field. */
async function saveForm(req: Request, save: (input: frameworks.FrameworkInput) => Promise<{ _id: unknown }>): Promise<string> {
  const { input, toFormField } = inputFromForm(unflatten(req.body));
  try {
    const saved = await save(frameworks.validateFramework(input));
    return String(saved._id);
  } catch (err) {
    if (err instanceof Invalid) throw new Invalid(err.message, formErrorsOf(err, toFormField));
    throw err;
  }
}

/** Its links in the top navigation. */
export function registerFrameworkPages(): void {
  addNavItem({ label: 'Framework', path: '/frameworks', section: 'explore', order: 40, visible: () => true });
}

export function frameworksRouter(): Router {
  const router = Router();

  router.get('/frameworks', handle(async (_req, res) => {
    const actor = actorOf(res);
    const all = await frameworks.listFrameworks(actor.tenantId);
    const active = all.find((f) => f.isDefault);
    res.render('frameworks/index', {
      title: 'Competency framework',
      manage: canCreateFramework(actor),
      frameworks: all.map(frameworkRow),
      caseSampleAdded: all.some((f) => frameworks.documentIdOf(f) === caseFrameworks.sampleCaseDocumentId()),
      active: active && canReadFramework(actor, active) ? frameworkPage(frameworks.toView(active)) : undefined,
    });
  }));

  router.post('/frameworks/sample', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    await frameworks.ensureSampleFramework(actor.tenantId, actor);
    res.redirect(303, res.locals.link('/frameworks'));
  }));

  router.post('/frameworks/sample-case', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    const { framework } = await caseFrameworks.addSampleCaseFramework(actor.tenantId, actor);
    res.redirect(303, res.locals.link(`/frameworks/${framework._id}`));
  }));

  router.get('/frameworks/new', (_req, res) => {
    requireStaff(actorOf(res));
    renderForm(res, 'New framework', '/frameworks', EMPTY_FRAMEWORK);
  });

  router.post(
    '/frameworks',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        requireStaff(actor);
        const id = await saveForm(req, (input) => frameworks.createFramework(actor.tenantId, input, actor));
        res.redirect(303, res.locals.link(`/frameworks/${id}`));
      },
      async (req, res, err) => {
        renderForm(res, 'New framework', '/frameworks', valuesFromForm(unflatten(req.body)), err.fields, err.message);
      },
    ),
  );

  router.get('/frameworks/import', (_req, res) => {
    requireStaff(actorOf(res));
    res.render('frameworks/import', { title: 'Import a framework', json: '', errors: [] });
  });

  router.post(
    '/frameworks/import',
    upload.single('file'),
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        requireStaff(actor);
        const json = req.file ? req.file.buffer.toString('utf8') : ImportForm.parse(req.body).json;
        if (!json.trim()) throw new Invalid('Choose a .json file or paste the framework JSON.', { json: 'Choose a .json file or paste the framework JSON' });
        const framework = await importAny(actor, json);
        res.redirect(303, res.locals.link(`/frameworks/${String(framework._id)}`));
      },
      async (req, res, err) => {
        const json = req.file ? req.file.buffer.toString('utf8') : String(req.body?.json ?? '');
        let raw: unknown;
        try {
          raw = JSON.parse(json);
        } catch {
          raw = undefined;
        }
        res.render('frameworks/import', { title: 'Import a framework', json: json.slice(0, 600_000), message: err.message, errors: importErrors(err.fields, raw) });
      },
    ),
  );

  router.get('/frameworks/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const doc = await frameworks.getFramework(actor.tenantId, Params.parse(req.params).id);
    if (!canReadFramework(actor, doc)) throw new Forbidden();
    res.render('frameworks/show', { title: doc.name, framework: frameworkPage(frameworks.toView(doc)), manage: canManageFramework(actor, doc) });
  }));

  router.get('/frameworks/:id/export', handle(async (req, res) => {
    const doc = await managedFramework(actorOf(res), Params.parse(req.params).id);
    res.attachment(`${doc.key}.json`);
    res.type('application/json').send(JSON.stringify(frameworks.exportFramework(frameworks.toView(doc)), null, 2));
  }));

  router.get('/frameworks/:id/case', handle(async (req, res) => {
    const doc = await managedFramework(actorOf(res), Params.parse(req.params).id);
    res.attachment(`${doc.key}.case.json`);
    res.type('application/json').send(JSON.stringify(caseFrameworks.exportCasePackage(doc, 'PD Pathways'), null, 2));
  }));

  router.get('/frameworks/:id/edit', handle(async (req, res) => {
    const doc = await managedFramework(actorOf(res), Params.parse(req.params).id);
    renderForm(res, `Edit ${doc.name}`, `/frameworks/${doc._id}`, valuesFromFramework(frameworks.toView(doc)));
  }));

  router.post(
    '/frameworks/:id',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const doc = await managedFramework(actor, Params.parse(req.params).id);
        await saveForm(req, (input) => frameworks.updateFramework(actor.tenantId, doc._id, input, actor));
        res.redirect(303, res.locals.link(`/frameworks/${doc._id}`));
      },
      async (req, res, err) => {
        const doc = await managedFramework(actorOf(res), Params.parse(req.params).id);
        renderForm(res, `Edit ${doc.name}`, `/frameworks/${doc._id}`, { ...valuesFromForm(unflatten(req.body)), key: doc.key }, err.fields, err.message);
      },
    ),
  );

  router.post('/frameworks/:id/default', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const doc = await managedFramework(actor, Params.parse(req.params).id);
    await frameworks.setDefaultFramework(actor.tenantId, doc._id, actor);
    res.redirect(303, res.locals.link('/frameworks'));
  }));

  return router;
}
