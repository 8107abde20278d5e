import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import * as credentials from '../../credentials/service';
import { TenantId } from '../../db/tenancy';
import * as frameworks from '../../frameworks/service';
import { FieldErrors, fieldErrors, Invalid } from '../../kernel/errors';
import { formList } from '../../kernel/validation';
import { PathwayDoc, RULE_KINDS } from '../model';
import { hoursRuleProblem, pathwayProblems, ruleOf, stepRequired } from '../rules';

// Validating a pathway

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const numberField = (v: unknown) => (blank(trimmed(v)) === undefined ? undefined : Number(v));
const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());
const idField = z.string('Choose an activity').regex(/^[a-f0-9]{24}$/i, 'Choose an activity from the catalog');

/** A pathway as PD staff enter it; steps in order. */
export const PathwayInput = z
  .object({
    title: z.string('Enter a title').trim().min(3, 'Enter a title of at least 3 characters').max(160, 'Keep the title under 160 characters'),
    summary: z.string().trim().max(4000, 'Keep the summary under 4000 characters').default(''),
    competencies: formList(z.string().trim().toUpperCase()),
    targetLevel: z.preprocess(numberField, z.number().int().min(1, 'Choose a level from 1 to 4').max(4, 'Choose a level from 1 to 4').optional()),
    steps: z.array(z.object({ activityId: idField, required: checkbox.default(true) })).max(40, 'A pathway has at most 40 steps').default([]),
    ruleKind: z.enum(RULE_KINDS, 'Choose how the pathway is completed').default('all'),
    ruleN: z.preprocess(numberField, z.number('Enter how many steps').int('Enter a whole number').min(1, 'At least 1 step').optional()),
    ruleHours: z.preprocess(numberField, z.number('Enter the hours as a number').min(0.5, 'At least half an hour').max(2000, 'At most 2000 hours').optional()),
    achievementId: z.preprocess((v) => blank(trimmed(v)), z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a badge from the list').optional()),
    selfEnrol: checkbox.default(false),
  })
  .superRefine(
    (p, ctx) => {
      for (const { path, message } of pathwayProblems(p)) ctx.addIssue({ code: 'custom', path, message });
    },
    { when: () => true },
  );
export type PathwayInput = z.infer<typeof PathwayInput>;

/** Checks the fields, that every step is an active catalog activity and every competency is in the framework. */
export async function validatePathway(tenantId: TenantId, raw: unknown): Promise<PathwayInput> {
  const parsed = PathwayInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
  if (parsed.success) Object.assign(errors, await catalogErrors(tenantId, parsed.data));
  if (Object.keys(errors).length || !parsed.success) throw new Invalid('The pathway has problems; nothing was saved.', errors);
  return parsed.data;
}

async function catalogErrors(tenantId: TenantId, input: PathwayInput): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const found = new Map((await catalog.getActivities(tenantId, input.steps.map((s) => new Types.ObjectId(s.activityId)))).map((a) => [String(a._id), a]));
  input.steps.forEach((s, i) => {
    const a = found.get(s.activityId.toLowerCase());
    if (!a) errors[`steps.${i}.activityId`] = 'Not in your catalog';
    else if (a.status === 'retired') errors[`steps.${i}.activityId`] = `${a.title} is retired`;
  });
  const hours = hoursRuleProblem(input, [...found.values()].reduce((sum, a) => sum + a.hours, 0));
  if (hours) errors.ruleHours = hours;
  const codes = (await frameworks.hasActiveFramework(tenantId)) ? new Set((await frameworks.activeFramework(tenantId)).competencies.map((c) => c.code)) : new Set<string>();
  const unknown = input.competencies.filter((c) => !codes.has(c));
  if (unknown.length) errors.competencies = `Not in your framework: ${unknown.join(', ')}`;
  if (input.achievementId && !(await credentials.getAchievement(tenantId, input.achievementId).catch(() => null))) errors.achievementId = 'Choose a badge from the list';
  return errors;
}

/** The stored content of a version: the input, its rule, and the steps' estimated hours and cost. */
export async function contentOf(tenantId: TenantId, input: PathwayInput) {
  const ids = input.steps.map((s) => new Types.ObjectId(s.activityId));
  const activities = await catalog.getActivities(tenantId, ids);
  return {
    title: input.title,
    summary: input.summary,
    competencies: [...new Set(input.competencies)],
    targetLevel: input.targetLevel,
    steps: input.steps.map((s, i) => ({ activityId: ids[i]!, required: stepRequired(input.ruleKind, s.required) })),
    rule: ruleOf(input),
    achievementId: input.achievementId ? new Types.ObjectId(input.achievementId) : undefined,
    selfEnrol: input.selfEnrol,
    estimatedHours: activities.reduce((sum, a) => sum + a.hours, 0),
    estimatedCost: activities.reduce((sum, a) => sum + a.cost, 0),
  };
}

export function summaryOf(p: Pick<PathwayDoc, 'title' | 'version' | 'status' | 'steps' | 'rule'>) {
  return { title: p.title, version: p.version, status: p.status, steps: p.steps.length, rule: p.rule?.kind ?? 'all' };
}
