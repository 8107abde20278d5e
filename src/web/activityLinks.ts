import { Actor } from '../kernel/actor';

/**
 * What a teacher can do next with a catalog activity, offered wherever they meet it outside the catalog
 * (a goal in their plan, a pathway step): "Register for a session", "Registered for …". A feature
 * registers a source, as it does nav links, so plans and pathways need not import it.
 */
export interface ActivityLink {
  label: string;
  path: string;
  query?: Record<string, string>;
  /** A moment the view prints after the label (`time()`), e.g. when the session starts. */
  when?: string;
  tone?: 'ok' | 'warn' | '';
}

/** The link for an activity met in this goal (none: outside a goal), so what it leads to can preselect the goal. */
export type LinkInGoal = (goalId?: string) => ActivityLink;
export type ActivityLinkSource = (actor: Actor, catalogIds: string[]) => Promise<Map<string, LinkInGoal>>;

const sources: ActivityLinkSource[] = [];

export function addActivityLinks(source: ActivityLinkSource): void {
  sources.push(source);
}

/** Activities as the teacher meets them: in a goal (`goalId`) or outside one (''). */
export interface ActivitiesInGoal {
  goalId: string;
  catalogIds: string[];
}

/** Each activity's links, `[goalId][catalogId]`, asking every source once for all the activities. */
export async function activityLinks(actor: Actor, groups: ActivitiesInGoal[]): Promise<Record<string, Record<string, ActivityLink[]>>> {
  const ids = [...new Set(groups.flatMap((g) => g.catalogIds).filter(Boolean))];
  const out: Record<string, Record<string, ActivityLink[]>> = Object.fromEntries(groups.map((g) => [g.goalId, {}]));
  if (!ids.length) return out;
  const found = await Promise.all(sources.map((s) => s(actor, ids)));
  for (const g of groups) {
    for (const id of g.catalogIds) {
      const links = found.flatMap((m) => m.get(id)?.(g.goalId || undefined) ?? []);
      if (links.length) out[g.goalId]![id] = links;
    }
  }
  return out;
}
