import { Types } from 'mongoose';
import * as catalog from '../catalog/service';
import { Actor } from '../kernel/actor';
import { addHomePanel } from '../web/homes';
import { facilitates } from './policy';
import { facilitatorRow } from './presenter';
import * as sessions from './service';

/** The facilitator home's sessions panel: attendance still to take, then the sessions to come. */
async function facilitatorPanel(actor: Actor) {
  const { upcoming, started } = await sessions.sessionsFacilitatedBy(actor.tenantId, actor.userId);
  const mine = [...upcoming, ...started].filter((s) => facilitates(actor, s));
  const counts = await sessions.rosterCounts(actor.tenantId, mine.map((s) => s._id));
  const titles = new Map((await catalog.getActivities(actor.tenantId, [...new Set(mine.map((s) => String(s.activityId)))].map((id) => new Types.ObjectId(id)))).map((a) => [String(a._id), a.title]));
  const rows = mine.map((s) => facilitatorRow(s, titles.get(String(s.activityId)), counts.get(String(s._id))!));
  const toTake = rows.filter((r) => r.started && r.unmarked > 0);
  const coming = rows.filter((r) => !r.started);
  return {
    order: 10,
    view: 'sessions/facilitator-panel',
    data: { toTake, upcoming: coming },
    facts: { facilitating: { attendanceToTake: toTake.length, firstToTake: toTake[0]?.id, next: coming[0] && { id: coming[0].id, title: coming[0].title } } },
  };
}

export function registerFacilitatorHome(): void {
  addHomePanel('facilitator', facilitatorPanel);
}
