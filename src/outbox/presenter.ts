import { isoMoment } from '../web/format';
import { OutboxMessageDoc, OutboxStatus } from './model';
import type { QueueStats } from './service';

const KIND_LABELS: Record<string, string> = { 'ags-score': 'Score', 'ags-lineitem': 'Gradebook column', 'badge-issue': 'Badge', email: 'Email' };
const STATUS_LABELS: Record<OutboxStatus, string> = {
  pending: 'Waiting',
  leased: 'Being delivered',
  done: 'Delivered',
  'not-applicable': 'Not applicable',
  superseded: 'Replaced by a newer one',
  dead: 'Gave up',
};

/** "3 min", "2 h": how long something waited. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

export function messageRow(m: OutboxMessageDoc) {
  return {
    id: String(m._id),
    kind: KIND_LABELS[m.kind] ?? m.kind,
    label: m.label,
    status: m.status,
    statusLabel: m.status === 'pending' && m.waiting ? 'Waiting for the LMS' : (STATUS_LABELS[m.status as OutboxStatus] ?? m.status),
    attempts: m.attempts,
    nextAttempt: m.status === 'pending' ? isoMoment(m.nextAttemptAt) : '',
    error: m.lastError ?? '',
    outcome: m.outcome ?? '',
    updated: isoMoment(m.updatedAt),
  };
}

export function statsView(stats: QueueStats) {
  return {
    waiting: stats.counts.pending + stats.counts.leased,
    delivered: stats.counts.done,
    notApplicable: stats.counts['not-applicable'],
    dead: stats.counts.dead,
    lag: duration(stats.lagMs),
  };
}
