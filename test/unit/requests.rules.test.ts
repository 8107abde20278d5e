import { afterDecision, budgetBalance, costTotal, DEFAULT_CHAIN, isFinalStep, reimbursedAmount, schoolYearOf } from '../../src/requests/rules';

test('a request’s cost adds registration, travel and substitute to the cent', () => {
  expect(costTotal({ registration: 0.1, travel: 0.2, substitute: 0 })).toBe(0.3);
  expect(costTotal({ registration: 400, travel: 150, substitute: 50 })).toBe(600);
});

test('school years run July to June', () => {
  expect(schoolYearOf(new Date('2026-09-01'))).toBe('2026-27');
  expect(schoolYearOf(new Date('2027-06-30'))).toBe('2026-27');
  expect(schoolYearOf(new Date('2027-07-01'))).toBe('2027-28');
  expect(schoolYearOf(new Date('2099-08-01'))).toBe('2099-00');
});

test('balance is amount less committed and paid, in cents', () => {
  expect(budgetBalance({ amount: 1000, committed: 600.1, paid: 0.2 })).toBe(399.7);
});

test('approving moves to the next step, and only the last approval approves; return and decline stop at the step', () => {
  expect(isFinalStep(DEFAULT_CHAIN, 0)).toBe(false);
  expect(afterDecision(DEFAULT_CHAIN, 0, 'approve')).toEqual({ status: 'in-approval', stepIndex: 1 });
  expect(afterDecision(DEFAULT_CHAIN, 1, 'approve')).toEqual({ status: 'approved', stepIndex: 1 });
  expect(afterDecision(DEFAULT_CHAIN, 1, 'return')).toEqual({ status: 'returned', stepIndex: 1 });
  expect(afterDecision(DEFAULT_CHAIN, 0, 'decline')).toEqual({ status: 'declined', stepIndex: 0 });
  expect(afterDecision([{ label: 'PD office', role: 'pdStaff' }], 0, 'approve').status).toBe('approved');
});

test('a reimbursement pays the claim, an adjusted amount, or nothing, never more than was approved', () => {
  expect(reimbursedAmount('approve', 500, 600)).toBe(500);
  expect(reimbursedAmount('approve', 640, 600)).toBe('At most the 600.00 approved for this request');
  expect(reimbursedAmount('adjust', 640, 600, 580)).toBe(580);
  expect(reimbursedAmount('adjust', 640, 600)).toBe('Enter the amount to pay');
  expect(reimbursedAmount('adjust', 640, 600, -1)).toBe('Enter the amount to pay');
  expect(reimbursedAmount('decline', 640, 600)).toBe(0);
});
