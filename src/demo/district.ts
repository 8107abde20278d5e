import type { Flavor, SimCourse, SimUser } from './platform';

/** A demo district as the seed sees it: its platform's flavor and the people and course of its roster. */
export interface DemoDistrict {
  flavor: Flavor;
  roster: { users: Record<string, SimUser>; course: SimCourse };
}
