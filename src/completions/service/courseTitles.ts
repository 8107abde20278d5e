import { scoped, TenantId } from '../../db/tenancy';
import * as tenants from '../../tenants/service';
import { CompletionEvent } from '../model';
import type { CompletionInput } from '../rules';

/** A course's title as PD Pathways knows it: from a launch in the course, else from an earlier completion. */
export async function knownCourseTitle(tenantId: TenantId, system: string, courseId: string): Promise<string> {
  if (system === 'lms') {
    const context = (await tenants.listContexts(tenantId)).find((c) => c.lmsCourseId === courseId && c.title);
    if (context) return context.title;
  }
  const seen = await CompletionEvent.findOne(scoped(tenantId, { system, courseId, courseTitle: { $nin: ['', null] } })).select('courseTitle').lean<{ courseTitle: string }>();
  return seen?.courseTitle ?? '';
}

/** Completions sent without a course title get the one already known (a launch from the course, an earlier event). */
export async function withKnownTitles(tenantId: TenantId, inputs: CompletionInput[]): Promise<CompletionInput[]> {
  const known = new Map<string, string>();
  const keyOf = (i: CompletionInput) => (i.courseId && !i.courseTitle ? `${i.system ?? 'lms'} ${i.courseId}` : undefined);
  for (const i of inputs) {
    const key = keyOf(i);
    if (key && !known.has(key)) known.set(key, await knownCourseTitle(tenantId, i.system ?? 'lms', i.courseId!));
  }
  return inputs.map((i) => {
    const title = known.get(keyOf(i) ?? '');
    return title ? { ...i, courseTitle: title } : i;
  });
}
