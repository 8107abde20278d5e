import { Actor } from '../kernel/actor';
import type { HomeFacts, HomeKind } from './nextStep';

/** A block a feature adds to a home page: a partial view and the data it renders. */
export interface HomePanel {
  order: number;
  view: string;
  data: Record<string, unknown>;
  /** What this panel knows that may decide the home's next step. */
  facts?: HomeFacts;
}

export type PanelSource = (actor: Actor) => Promise<HomePanel | undefined>;

const sources: Record<HomeKind, PanelSource[]> = { teacher: [], coach: [], staff: [], facilitator: [] };

export function addHomePanel(kind: HomeKind, source: PanelSource): void {
  sources[kind].push(source);
}

export async function homePanels(kind: HomeKind, actor: Actor): Promise<HomePanel[]> {
  const panels = await Promise.all(sources[kind].map((s) => s(actor)));
  return panels.filter((p): p is HomePanel => !!p).sort((a, b) => a.order - b.order);
}

/** Every panel's facts in one (a later panel adds to, never replaces, what an earlier one knew). */
export function homeFacts(panels: HomePanel[]): HomeFacts {
  return panels.reduce<HomeFacts>((all, p) => ({ ...p.facts, ...all }), {});
}
