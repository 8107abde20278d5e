import { randomUUID } from 'node:crypto';
import type { SimCore } from './core';
import type { SimCourse, SimResourceLink } from './types';

/** The copy's column: a new line item in the new course, bound to the new link, same label, maximum, resourceId and tag. */
function copyColumn(core: SimCore, from: SimResourceLink, to: SimResourceLink, courseId: string): void {
  const item = from.lineItemId ? core.ags.list(from.courseId).find((i) => i.id === from.lineItemId) : undefined;
  if (item) {
    const { label, scoreMaximum, resourceId, tag } = item;
    to.lineItemId = core.ags.create(courseId, { label, scoreMaximum, resourceId, tag, resourceLinkId: to.id }).id;
  } else if (from.pendingLineItem) {
    to.pendingLineItem = { ...from.pendingLineItem };
  }
}

/** Course copy as Canvas and Moodle do it: new course and context ids, new resource links that remember the old ones. */
export function copyCourse(core: SimCore, fromCourseId: string, to: SimCourse): SimResourceLink[] {
  core.directory.course(fromCourseId);
  core.directory.addCourse({ ...to, copiedFrom: fromCourseId });
  const originals = [...core.resourceLinks.values()].filter((link) => link.courseId === fromCourseId);
  return originals.map((from) => {
    const link: SimResourceLink = { id: randomUUID(), courseId: to.id, title: from.title, url: from.url, custom: from.custom && { ...from.custom }, history: [from.id, ...(from.history ?? [])] };
    copyColumn(core, from, link, to.id);
    core.resourceLinks.set(link.id, link);
    return link;
  });
}

/** Context ids of the courses this one was copied from, most recent first (what `$Context.id.history` lists). */
export function contextHistory(core: SimCore, course: SimCourse): string[] {
  const history: string[] = [];
  for (let c = course.copiedFrom ? core.directory.findCourse(course.copiedFrom) : undefined; c && history.length < 50; c = c.copiedFrom ? core.directory.findCourse(c.copiedFrom) : undefined) {
    history.push(c.contextId ?? c.id);
  }
  return history;
}
