import { dateTime, isoDateTime } from '../web/format';
import { AuditEntryDoc } from './model';
import type { NameBook } from './service';

/** Actions whose code does not read well as words. */
const ACTION_LABELS: Record<string, string> = {
  'person.roles-changed': 'Roles changed',
  'person.coaches-changed': 'Coaches changed',
  'plan.commitment': 'Plan time commitment set',
  'privacy.data-deleted': 'Personal data deleted',
  'policy.updated': 'District policy changed',
  'catalog.sample-added': 'Sample activities added to the catalog',
  'framework.default-set': 'Framework made the default',
  'pathway.revision-started': 'Pathway: new version started',
  'pathway.draft-deleted': 'Pathway draft deleted',
  'pathway.assignment-started': 'Pathway assignment started',
  'pathway.migrated': 'People moved to a new pathway version',
  'issuer.key-rotated': 'Badge signing key rotated',
  'issuer.updated': 'Badge issuer profile changed',
  'outbox.retried': 'Failed delivery retried',
  'completion-source.secrets-issued': 'Completion source secrets issued',
  'completion-source.sync-requested': 'Completion sync started by hand',
  'completion-event.replayed': 'Completion replayed',
  'completion-import.started': 'Completion CSV import started',
  'group-goal.created': 'Team goal created',
  'group-goal.joined': 'Team goal joined',
  'activity.progress': 'Activity progress recorded',
  'coaching.step': 'Coaching cycle step ticked',
};

const words = (code: string) => code.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "plan.submitted" → "Plan submitted"; known awkward codes have their own label. */
export function actionLabel(action: string): string {
  if (ACTION_LABELS[action]) return ACTION_LABELS[action]!;
  const [thing, ...verb] = action.split('.');
  return capital([words(thing ?? ''), ...verb.map(words)].join(' ').trim());
}

const KIND_LABELS: Record<string, string> = {
  tenant: 'District policy',
  issuer: 'Badge issuer',
  catalog: 'Activity catalog',
  outboxMessage: 'A delivery to the LMS',
  'completion-source': 'Completion source',
  'completion-mapping': 'A course mapping',
  'completion-event': 'A completion',
  'completion-import': 'A completion CSV import',
  assessment: 'A needs assessment',
  observation: 'A coach observation',
  placement: 'A course placement',
  credential: 'A badge awarded',
};

function subjectText(e: AuditEntryDoc, names: NameBook): string {
  if (!e.subject) return '';
  const named = names.get(e.subject.id);
  if (named) return named;
  if (e.subject.kind === 'completion-source') return `Completion source ${words(e.subject.id)}`;
  return KIND_LABELS[e.subject.kind] ?? capital(words(e.subject.kind));
}

function valueText(v: unknown, names: NameBook): string {
  if (Array.isArray(v)) return v.length ? v.map((x) => valueText(x, names)).join(', ') : 'none';
  if (v instanceof Date) return isoDateTime(v);
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${words(k)} ${valueText(x, names)}`).join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const s = String(v ?? '');
  return names.get(s) ?? s;
}

/** "grants: approver, coach" — ids become names; an id nobody can name any more is left out. */
function summary(v: unknown, names: NameBook): string {
  if (v === undefined || v === null || typeof v !== 'object') return '';
  return Object.entries(v as Record<string, unknown>)
    .filter(([k, val]) => !(/Ids?$/.test(k) && !names.has(String(val))))
    .map(([k, val]) => `${words(k.replace(/Ids?$/, ''))}: ${valueText(val, names)}`)
    .join('; ');
}

export function auditRow(e: AuditEntryDoc, names: NameBook, locale: string) {
  const before = summary(e.before, names);
  const after = summary(e.after, names);
  return {
    at: dateTime(e.at, locale),
    atIso: isoDateTime(e.at),
    actor: e.actorName,
    action: actionLabel(e.action),
    code: e.action,
    subject: subjectText(e, names),
    change: before && after ? `${before} → ${after}` : before ? `was ${before}` : after,
  };
}

export function auditCsvColumns() {
  type Row = ReturnType<typeof auditRow>;
  return [
    { header: 'When (UTC)', value: (r: Row) => r.atIso },
    { header: 'Who', value: (r: Row) => r.actor },
    { header: 'Action', value: (r: Row) => r.action },
    { header: 'Action code', value: (r: Row) => r.code },
    { header: 'About', value: (r: Row) => r.subject },
    { header: 'Change', value: (r: Row) => r.change },
  ];
}
