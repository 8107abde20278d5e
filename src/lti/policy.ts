import { Actor } from '../kernel/actor';

/** Who may place PD Pathways links in a course: instructors of that course and PD staff. */
export function canPlaceLinks(actor: Actor, instructorInContext: boolean): boolean {
  return instructorInContext || actor.roles.has('pdStaff');
}
