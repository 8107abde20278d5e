import { TenantId } from '../db/tenancy';
import * as catalog from '../catalog/service';
import * as evaluations from '../evaluations/service';
import * as users from '../users/service';
import type { DemoDistrict } from './district';

/** The activity whose credit waits for the evaluation in the demo (its sessions are seeded in sessionsSeed). */
export const EVALUATED_ACTIVITY = 'hinge-questions';

/**
 * The district evaluation form (the editor's typical questions, saved as PD staff would) and credit
 * that waits for it on one workshop, so attendance, evaluation and results can be tried. Made once.
 */
export async function seedDemoEvaluations(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const lead = await users.findBySub(tenantId, district.roster.users.pdlead?.sub ?? '');
  const workshop = (await catalog.listActivities(tenantId)).find((a) => a.sampleKey === EVALUATED_ACTIVITY);
  if (!lead || !workshop || (await evaluations.currentForm(tenantId, evaluations.DISTRICT))) return;
  const by = { userId: lead._id, name: lead.name };
  // The editor's fields for its typical questions, as PD staff would save them unchanged.
  const questions = evaluations.templateQuestions().map((q) => ({ prompt: q.prompt, kind: q.kind, options: q.options.join('\n'), measure: q.measure, ...(q.required ? { required: 'on' } : {}) }));
  await evaluations.saveForm(tenantId, undefined, { title: 'Session evaluation', intro: 'Two minutes, please: your answers shape next year’s sessions.', questions }, by);
  await evaluations.setActivitySetting(tenantId, workshop._id, { use: 'district', requiredForCredit: true }, by);
}
