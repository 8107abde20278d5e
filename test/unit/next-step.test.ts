import { nextStep, PlanFacts } from '../../src/web/nextStep';

const plan = (over: Partial<PlanFacts> = {}): PlanFacts => ({ id: 'p1', status: 'draft', goals: 1, submitProblems: [], approvers: [], ...over });

describe('the teacher’s next step', () => {
  it('without a plan: start it by writing the first goal', () => {
    expect(nextStep('teacher', { plan: null })).toEqual({ text: 'Start your PD plan: write your first goal.', href: '/plan', action: 'Start my plan' });
  });

  it('a draft without goals: write the first goal; with problems: the first problem; else submit', () => {
    expect(nextStep('teacher', { plan: plan({ goals: 0, submitProblems: ['Add at least one goal.'] }) })).toMatchObject({ text: 'Write your first goal.', href: '/plans/p1/goals/new' });
    expect(nextStep('teacher', { plan: plan({ submitProblems: ['Goal 1 has no activities yet.', 'Agree to the time commitment.'] }) }).text).toBe('Before you submit: Goal 1 has no activities yet.');
    expect(nextStep('teacher', { plan: plan() })).toMatchObject({ text: 'Your plan is ready: submit it for approval.', action: 'Submit my plan' });
  });

  it('a returned plan says who returned it', () => {
    expect(nextStep('teacher', { plan: plan({ status: 'returned', returnedBy: 'Pat Lee', submitProblems: [] }) }).text).toBe('Pat Lee returned your plan with a comment. Your plan is ready: submit it for approval.');
  });

  it('a submitted plan names who decides', () => {
    expect(nextStep('teacher', { plan: plan({ status: 'submitted', approvers: ['Pat Lee', 'Sam Ode'] }) }).text).toBe('Your plan is waiting for approval by Pat Lee and Sam Ode.');
    expect(nextStep('teacher', { plan: plan({ status: 'submitted' }) }).text).toBe('Your plan is waiting for approval.');
  });

  it('an active plan: a due review, then waiting changes, then a reflection, then the next activity', () => {
    const active = plan({ status: 'active', unreflectedGoal: { id: 'g2', number: 2, statement: 'Use exit tickets every week' }, nextActivity: { goalId: 'g1', id: 'a1', title: 'Feedback that moves learning' } });
    expect(nextStep('teacher', { plan: { ...active, reviewDue: 'annual' } })).toMatchObject({ text: 'Your annual review is due.', href: '/plans/p1/review' });
    expect(nextStep('teacher', { plan: { ...active, changesWaiting: true, approvers: ['Pat Lee'] } }).text).toBe('Your proposed changes are waiting for approval by Pat Lee.');
    expect(nextStep('teacher', { plan: active })).toMatchObject({ text: 'Add a reflection to goal 2, “Use exit tickets every week”: its activities are done.', href: '/plans/p1/goals/g2#reflections-title' });
    expect(nextStep('teacher', { plan: { ...active, unreflectedGoal: undefined } })).toMatchObject({ text: 'Next activity: Feedback that moves learning.', href: '/plans/p1/goals/g1/activities/a1' });
    expect(nextStep('teacher', { plan: plan({ status: 'active' }) }).text).toBe('Everything planned is done — well done.');
  });
});

describe('the coach’s and approver’s next step', () => {
  it('decisions first, counted in words', () => {
    expect(nextStep('coach', { toDecide: { plans: 3, evidence: 1 } })).toEqual({ text: '3 plans wait for your approval.', href: '/approvals', action: 'Review plans' });
    expect(nextStep('coach', { toDecide: { plans: 1, evidence: 0 } }).text).toBe('1 plan waits for your approval.');
    expect(nextStep('coach', { toDecide: { plans: 0, evidence: 2 } }).text).toBe('2 pieces of evidence wait for your check.');
  });

  it('then the caseload: reviews due, teachers without a plan, else nothing waits', () => {
    expect(nextStep('coach', { caseload: { teachers: 4, withoutPlan: 2, reviewsDue: 1 } }).text).toBe('1 of your teachers has a review due.');
    expect(nextStep('coach', { caseload: { teachers: 4, withoutPlan: 2, reviewsDue: 0 } }).text).toBe('2 of your teachers have no plan yet.');
    expect(nextStep('coach', { caseload: { teachers: 4, withoutPlan: 0, reviewsDue: 0 }, toDecide: { plans: 0, evidence: 0 } }).text).toBe('Nothing waits for you right now.');
  });
});

describe('PD staff’s next step', () => {
  it('failing completion sources first, then decisions, waiting completions, people who never launched', () => {
    expect(nextStep('staff', { sync: { failingSources: 2, waiting: 5 }, toDecide: { plans: 1, evidence: 0 } })).toEqual({ text: '2 completion sources need attention.', href: '/completions', action: 'Open completion sync' });
    expect(nextStep('staff', { sync: { failingSources: 0, waiting: 5 }, toDecide: { plans: 1, evidence: 0 } }).text).toBe('1 plan waits for your approval.');
    expect(nextStep('staff', { sync: { failingSources: 0, waiting: 1 } }).text).toBe('1 completion waits for a course mapping or a person.');
    expect(nextStep('staff', { people: { pending: 40 } })).toMatchObject({ text: '40 people have not launched PD Pathways yet.', href: '/people' });
    expect(nextStep('staff', {}).text).toBe('Nothing needs attention right now.');
  });
});
