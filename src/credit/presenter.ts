import { count, isoDate, money } from '../web/format';
import type { KeptPerson } from './service';

/** One person's kept credit on the PD-staff page. */
export function keptRow(p: KeptPerson) {
  return {
    userId: String(p.userId),
    name: p.name || 'A former teacher',
    email: p.email ?? '',
    activities: count(p.activities, 'activity', 'activities'),
    hours: `${Math.round(p.hours * 10) / 10} h`,
    cost: money(p.cost),
    keptSince: isoDate(p.keptAt),
    /** A day for `time()`; '' when kept until PD staff delete it. */
    keptUntil: p.untilDeleted ? '' : isoDate(p.keptUntil),
  };
}
