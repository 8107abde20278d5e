import { calendarDay } from '../kernel/validation';
import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { handle } from '../web/route';
import { Actor } from '../kernel/actor';
import { actorOf } from '../web/request';
import { csvText } from '../kernel/csv';
import { Forbidden } from '../kernel/errors';
import { addNavItem } from '../web/nav';
import { isoDate } from '../web/format';
import { canViewAuditLog } from './policy';
import { actionLabel, auditCsvColumns, auditRow } from './presenter';
import * as audit from './service';

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);
const Query = z.object({
  action: z.preprocess(blankToUndefined, z.string().max(60).optional()),
  person: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-f]{24}$/i, 'Choose a person from the list').optional()),
  from: z.preprocess(blankToUndefined, calendarDay.optional()),
  to: z.preprocess(blankToUndefined, calendarDay.optional()),
});
type Query = z.infer<typeof Query>;

const PAGE_ROWS = 200;
const CSV_ROWS = 20_000;

function readQuery(raw: unknown): { query: Query; errors: Record<string, string> } {
  const parsed = Query.safeParse(raw);
  if (parsed.success) {
    const q = parsed.data;
    if (q.from && q.to && q.from > q.to) return { query: { ...q, to: undefined }, errors: { to: 'The end date is before the start date' } };
    return { query: q, errors: {} };
  }
  const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
  // Keep the filters that were fine; drop the ones with a problem (the page says which).
  const kept = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => !(k in errors)));
  return { query: Query.parse(kept), errors };
}

async function filterOf(directory: audit.AuditDirectory, actor: Actor, q: Query): Promise<audit.AuditFilter> {
  const person = q.person ? new Types.ObjectId(q.person) : undefined;
  const planIds = person ? await directory.planIdsOf(actor.tenantId, person) : [];
  const dayAfter = (s: string) => new Date(new Date(`${s}T00:00:00Z`).getTime() + 86_400_000);
  return {
    action: q.action,
    person: person && { userId: person, planIds },
    from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
    to: q.to ? dayAfter(q.to) : undefined,
  };
}

/** Everyone who acted or was acted upon, by name. */
async function peopleChoices(directory: audit.AuditDirectory, actor: Actor, choices: Awaited<ReturnType<typeof audit.filterChoices>>): Promise<{ id: string; name: string }[]> {
  const known = new Map(choices.actors.map((a) => [a.id, a.name]));
  const others = choices.subjectUserIds.filter((id) => !known.has(String(id)));
  for (const [id, name] of await directory.peopleNames(actor.tenantId, others)) known.set(id, name);
  return [...known].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

function allowed(res: Response): Actor {
  const actor = actorOf(res);
  if (!canViewAuditLog(actor)) throw new Forbidden('Only PD staff can read the audit log.');
  return actor;
}

/** Its links in the top navigation. */
export function registerAuditPages(): void {
  addNavItem({ label: 'Audit log', path: '/audit', section: 'district', order: 95, visible: canViewAuditLog });
}

/** The audit log pages; `directory` names and filters what the entries point at. */
export function auditRouter(directory: audit.AuditDirectory): Router {
  const router = Router();

  router.get('/audit', handle(async (req, res) => {
    const actor = allowed(res);
    const { query, errors } = readQuery(req.query);
    const filter = await filterOf(directory, actor, query);
    const [entries, total, choices] = await Promise.all([audit.recent(actor.tenantId, { ...filter, limit: PAGE_ROWS }), audit.countMatching(actor.tenantId, filter), audit.filterChoices(actor.tenantId)]);
    const [names, people] = await Promise.all([directory.nameBook(actor.tenantId, entries), peopleChoices(directory, actor, choices)]);
    const status = Object.keys(errors).length ? 400 : 200;
    res.status(status).render('audit/index', {
      title: 'Audit log',
      values: { action: query.action ?? '', person: query.person ?? '', from: query.from ?? '', to: query.to ?? '' },
      errors,
      actions: choices.actions.map((code) => ({ value: code, label: actionLabel(code) })).sort((a, b) => a.label.localeCompare(b.label)),
      people,
      entries: entries.map((e) => auditRow(e, names, actor.locale ?? 'en-US')),
      total,
      filtered: !!(query.action || query.person || query.from || query.to),
      csvQuery: { action: query.action, person: query.person, from: query.from, to: query.to },
    });
  }));

  router.get('/audit.csv', handle(async (req, res) => {
    const actor = allowed(res);
    const query = Query.parse(req.query);
    const entries = await audit.recent(actor.tenantId, { ...(await filterOf(directory, actor, query)), limit: CSV_ROWS });
    const names = await directory.nameBook(actor.tenantId, entries);
    res.type('text/csv; charset=utf-8');
    res.attachment(`pd-audit-log-${isoDate(new Date())}.csv`);
    res.send(csvText(entries.map((e) => auditRow(e, names, actor.locale ?? 'en-US')), auditCsvColumns()));
  }));
  return router;
}
