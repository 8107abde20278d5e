import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import * as tenants from '../../tenants/service';
import { fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import { CompletionEvent, CompletionMapping, CompletionMappingDoc } from '../model';
import { courseName, seenCoursesMatching } from '../rules';
import { ChangedBy } from './common';
import { isDuplicateKey } from '../../db/writeErrors';
import { knownCourseTitle } from './courseTitles';
import { requeue } from './replay';

// Mappings: which catalog activity a platform course's completion counts for.

export const MappingInput = z.object({
  system: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'Choose the course system').default('lms'),
  courseId: z.string().trim().regex(/^[\w.:@-]{1,100}$/, 'Enter the course id as the LMS shows it (letters, digits, . : - _)'),
  activityId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose an activity'),
});

export function listMappings(tenantId: TenantId): Promise<CompletionMappingDoc[]> {
  return CompletionMapping.find(scoped(tenantId)).sort({ courseTitle: 1, courseId: 1 }).lean<CompletionMappingDoc[]>();
}

const MAPPING_PROBLEMS = 'The mapping has problems; nothing was saved.';

async function saveMapping(tenantId: TenantId, fields: { system: string; courseId: string; courseTitle: string; activityId: Types.ObjectId }, by: ChangedBy): Promise<CompletionMappingDoc> {
  try {
    return (await CompletionMapping.create({ tenantId, ...fields, createdBy: by })).toObject() as unknown as CompletionMappingDoc;
  } catch (err) {
    if (isDuplicateKey(err)) throw new Invalid(MAPPING_PROBLEMS, { courseId: 'This course is already mapped; delete that mapping first' });
    throw err;
  }
}

/** Maps a platform course to a catalog activity and replays the course's unmatched events. */
export async function createMapping(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<{ mapping: CompletionMappingDoc; replayed: number }> {
  const parsed = MappingInput.safeParse(raw);
  if (!parsed.success) throw new Invalid(MAPPING_PROBLEMS, fieldErrors(parsed.error));
  const { system, courseId, activityId } = parsed.data;
  const activity = await catalog.getActivity(tenantId, activityId).catch(() => undefined);
  if (!activity) throw new Invalid(MAPPING_PROBLEMS, { activityId: 'That activity is not in the catalog' });
  const courseTitle = await knownCourseTitle(tenantId, system, courseId);
  const mapping = await saveMapping(tenantId, { system, courseId, courseTitle, activityId: activity._id }, by);
  await audit.record(tenantId, { actor: by, action: 'completion-mapping.created', subject: { kind: 'completion-mapping', id: mapping._id }, after: { system, courseId, courseTitle, activity: activity.title } });
  const replayed = await requeue(tenantId, { status: 'unmatched-course', system, courseId }, `${courseName({ system, courseId, courseTitle })} mapped to ${activity.title} by ${by.name}`);
  return { mapping, replayed };
}

export async function deleteMapping(tenantId: TenantId, mappingId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const mapping = await CompletionMapping.findOneAndDelete(scoped(tenantId, { _id: mappingId })).lean<CompletionMappingDoc>();
  if (!mapping) throw new NotFound('That mapping');
  await audit.record(tenantId, { actor: by, action: 'completion-mapping.deleted', subject: { kind: 'completion-mapping', id: mapping._id }, before: { system: mapping.system, courseId: mapping.courseId, activityId: String(mapping.activityId) } });
}

export interface SeenCourse {
  system: string;
  courseId: string;
  title: string;
  events: number;
  unmatched: number;
  launched: boolean;
  mapping?: CompletionMappingDoc;
  /** Catalog activities that name this course as their lmsCourseId (implicit mappings). */
  linkedActivities: string[];
}

/** Courses seen in launches and in completion events, with how each is mapped; filtered by id or title. */
export async function coursesSeen(tenantId: TenantId, q = ''): Promise<SeenCourse[]> {
  const courses = new Map<string, SeenCourse>();
  const at = (system: string, courseId: string) => {
    const key = `${system} ${courseId}`;
    if (!courses.has(key)) courses.set(key, { system, courseId, title: '', events: 0, unmatched: 0, launched: false, linkedActivities: [] });
    return courses.get(key)!;
  };
  for (const c of await tenants.listContexts(tenantId)) {
    if (!c.lmsCourseId) continue;
    const course = at('lms', c.lmsCourseId);
    Object.assign(course, { launched: true, title: course.title || c.title || '' });
  }
  const groups = await CompletionEvent.aggregate<{ _id: { system: string; courseId: string }; title: string; events: number; unmatched: number }>(
    scopedPipeline(tenantId, { courseId: { $exists: true } }, [
      { $group: { _id: { system: '$system', courseId: '$courseId' }, title: { $max: '$courseTitle' }, events: { $sum: 1 }, unmatched: { $sum: { $cond: [{ $eq: ['$status', 'unmatched-course'] }, 1, 0] } } } },
    ]),
  );
  for (const g of groups) Object.assign(at(g._id.system, g._id.courseId), { events: g.events, unmatched: g.unmatched }, g.title ? { title: g.title } : {});
  for (const m of await listMappings(tenantId)) at(m.system, m.courseId).mapping = m;
  for (const a of await catalog.listActivities(tenantId, { includeRetired: true })) if (a.lmsCourseId) at('lms', a.lmsCourseId).linkedActivities.push(a.title);
  return seenCoursesMatching([...courses.values()], q);
}

export function searchActivities(tenantId: TenantId, text: string): Promise<catalog.ActivityDoc[]> {
  return catalog.listActivities(tenantId, { text: text.trim() || undefined });
}
