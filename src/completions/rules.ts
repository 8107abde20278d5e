import type { SourceKind } from './model';

const PLATFORM_OF: Partial<Record<SourceKind, string>> = { 'canvas-live': 'Canvas', 'canvas-rest': 'Canvas', 'moodle-ws': 'Moodle' };
const SENT_BY: Partial<Record<SourceKind, string>> = { webhook: 'sent by your district’s webhook', csv: 'from a CSV import' };

export interface CourseFacts {
  source: string;
  system?: string | null;
  courseId?: string | null;
  courseTitle?: string | null;
}

/**
 * The course as a teacher reads it: the title the LMS sent or that is known for it; without one,
 * which course of which platform it was ("Moodle course 91"), never a bare id.
 */
export function courseInWords(ev: CourseFacts): string {
  if (ev.courseTitle) return ev.courseTitle;
  const kind = ev.source as SourceKind;
  if (!ev.courseId) return `A catalog activity ${SENT_BY[kind] ?? 'from your LMS'}`;
  const platform = PLATFORM_OF[kind];
  if (platform) return `${platform} course ${ev.courseId}`;
  const where = ev.system && ev.system !== 'lms' ? ` in ${ev.system}` : '';
  return `Course ${ev.courseId}${where} (${SENT_BY[kind] ?? 'from your LMS'})`;
}
