import { Actor } from '../kernel/actor';

/**
 * Where a link sits in the top navigation: the person's own pages and their role homes in the bar,
 * shared reference pages under "Explore", district administration under "District".
 */
export type NavSection = 'mine' | 'explore' | 'district';

/** A link in the top navigation; features register theirs with the rule for who sees it. */
export interface NavItem {
  label: string;
  path: string;
  order: number;
  section: NavSection;
  visible: (actor: Actor) => boolean;
}

export interface NavLink {
  label: string;
  path: string;
}

const items: NavItem[] = [];

export function addNavItem(item: NavItem): void {
  items.push(item);
  items.sort((a, b) => a.order - b.order);
}

export function navFor(actor: Actor): Record<NavSection, NavLink[]> {
  const nav: Record<NavSection, NavLink[]> = { mine: [], explore: [], district: [] };
  for (const i of items) if (i.visible(actor)) nav[i.section].push({ label: i.label, path: i.path });
  return nav;
}
