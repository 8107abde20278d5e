import { Actor } from './context';

/** A link in the top navigation; features register theirs with the rule for who sees it. */
export interface NavItem {
  label: string;
  path: string;
  order: number;
  visible: (actor: Actor) => boolean;
}

const items: NavItem[] = [];

export function addNavItem(item: NavItem): void {
  items.push(item);
  items.sort((a, b) => a.order - b.order);
}

export function navFor(actor: Actor): { label: string; path: string }[] {
  return items.filter((i) => i.visible(actor)).map(({ label, path }) => ({ label, path }));
}
