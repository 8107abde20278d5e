import { AuditEntryDoc } from './model';

function summary(v: unknown): string {
  if (v === undefined || v === null) return '';
  return Object.entries(v as Record<string, unknown>)
    .map(([k, val]) => `${k}: ${typeof val === 'object' ? JSON.stringify(val) : String(val)}`)
    .join(', ');
}

export function auditRow(e: AuditEntryDoc) {
  return {
    at: e.at.toISOString().replace('T', ' ').slice(0, 16),
    actor: e.actorName,
    action: e.action,
    subject: e.subject ? `${e.subject.kind} ${e.subject.id}` : '',
    change: [summary(e.before), summary(e.after)].filter(Boolean).join(' → '),
  };
}
