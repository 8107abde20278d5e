import type { CompetencyView } from '../frameworks/service';
import { competencyName } from '../frameworks/service';
import type { KeptCreditDoc } from '../credit/service';
import { count, dayRange, isoDate } from '../web/format';
import { completedCredit, creditByYear, CreditYear } from './credit';
import { evidenceView, feedbackView, goalSummary, percent, reflectionView } from './presenter';
import { DeletionSummary, GroupGoalDoc, money, PlanDoc, STATUS_LABELS } from './service';

// The teacher's record (print, PDF and JSON) and what deleting their data removes and keeps.

const hoursTotal = (n: number) => `${Math.round(n * 10) / 10} h`;
const creditRow = (y: Omit<CreditYear, 'year'>) => ({ activities: y.activities, hours: hoursTotal(y.hours), cost: money(y.cost) });

/** Credit the district kept after the teacher deleted earlier data. */
type KeptCredit = Pick<KeptCreditDoc, 'title' | 'hours' | 'cost' | 'completedAt' | 'keepUntil'>;

/** Completed PD per calendar year and in total (kept credit included): hours, and cost with cents. */
export function creditView(plans: PlanDoc[], kept: KeptCredit[] = []) {
  const { years, total } = creditByYear([...completedCredit(plans), ...kept]);
  return { years: years.map((y) => ({ year: y.year, ...creditRow(y) })), total: creditRow(total) };
}

/** Before a teacher deletes their data: their completed credit and the district's rule for it. */
export function creditBeforeDeletion(c: { activities: number; hours: number }, rule: string) {
  return { activities: count(c.activities, 'completed activity', 'completed activities'), hours: hoursTotal(c.hours), any: c.activities > 0, rule };
}

/** After the deletion: what went at once, and what of the completed credit was kept, until when, and why. */
export function deletionView(d: DeletionSummary, rule: string) {
  const deleted = [
    count(d.plans, 'plan'),
    count(d.reflections, 'reflection'),
    count(d.coachingMessages, 'coaching message'),
    count(d.evidenceFiles, 'evidence file'),
    count(d.notices, 'notice'),
    count(d.assessments, 'needs assessment'),
  ];
  const kept = d.credit.kept ? `${count(d.credit.kept, 'completed activity', 'completed activities')} (${hoursTotal(d.credit.keptHours)})` : '';
  return {
    deleted: `${deleted.slice(0, -1).join(', ')} and ${deleted.at(-1)}`,
    kept,
    /** A day for `time()`; '' when kept until PD staff delete it. */
    keptUntil: isoDate(d.credit.keptUntil),
    creditDeleted: d.credit.deleted ? count(d.credit.deleted, 'completed activity', 'completed activities') : '',
    rule,
  };
}

/** The teacher's printable and downloadable record (private reflections included: it is their own). */
export function recordExport(teacher: { name: string; email?: string }, plans: PlanDoc[], groupGoals: GroupGoalDoc[], competencies: Map<string, CompetencyView>, readsFeedback: (plan: PlanDoc) => boolean, kept: KeptCredit[] = []) {
  return {
    exportedAt: new Date().toISOString(),
    exportedOn: isoDate(new Date()),
    teacher,
    credit: creditView(plans, kept),
    keptCredit: kept.map((k) => ({ title: k.title, hours: hoursTotal(k.hours ?? 0), cost: money(k.cost ?? 0), completedOn: isoDate(k.completedAt), until: isoDate(k.keepUntil) })),
    plans: plans.map((p) => ({
      id: String(p._id),
      status: STATUS_LABELS[p.status] ?? p.status,
      period: dayRange(p.periodStart, p.periodEnd),
      progress: percent(p.progress),
      commitment: p.commitment?.agreed ? p.commitment.text : '',
      approvals: p.approvals.map((a) => ({ decision: a.decision, by: a.byName, comment: a.comment, on: isoDate(a.at) })),
      goals: p.goals.map((g, i) => ({
        ...goalSummary(g, i, competencies),
        reflections: g.reflections.map((r) => reflectionView(r, g.activities)),
        feedback: readsFeedback(p) ? g.feedback.map(feedbackView) : [],
        evidence: g.activities.flatMap((a) => a.evidence.map((e) => ({ activity: a.title, ...evidenceView(e) }))),
      })),
      reviews: p.reviews.map((r) => ({ kind: r.kind, on: isoDate(r.completedAt), summary: r.summary, goals: r.goals.map((g) => ({ goalId: String(g.goalId), competency: g.competency, competencyName: g.competency ? competencyName(competencies, g.competency) : '', reflection: g.reflection, selfLevel: g.selfLevel ?? null })) })),
    })),
    teamGoals: groupGoals.map((g) => ({ statement: g.statement, owner: g.ownerName, targetDate: isoDate(g.targetDate) })),
  };
}
