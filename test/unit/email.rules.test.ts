import fc from 'fast-check';
import { digestWeek, EMAIL_KIND_INFO, EMAIL_KINDS, emailKindOfNotice, sendableAddress, wants } from '../../src/email/rules';

test('every notice kind the features write becomes the email a person would look for', () => {
  expect(emailKindOfNotice('plan.submitted')).toBe('plan-submitted');
  expect(emailKindOfNotice('change.submitted')).toBe('plan-submitted');
  expect(emailKindOfNotice('plan.approved')).toBe('plan-decisions');
  expect(emailKindOfNotice('change.returned')).toBe('plan-decisions');
  expect(emailKindOfNotice('session.promoted')).toBe('sessions');
  expect(emailKindOfNotice('session.cancelled')).toBe('sessions');
  expect(emailKindOfNotice('session.reminder')).toBe('session-reminders');
  expect(emailKindOfNotice('review.due')).toBe('reviews-due');
  expect(emailKindOfNotice('review.completed')).toBe('coaching'); // a coach told their teacher finished a review
  expect(emailKindOfNotice('renewal.due')).toBe('renewals');
  expect(emailKindOfNotice('feedback')).toBe('coaching');
  expect(emailKindOfNotice('evidence.verified')).toBe('coaching');
  expect(emailKindOfNotice('badge.earned')).toBe('milestones');
  expect(emailKindOfNotice('completion.synced')).toBe('other');
  fc.assert(fc.property(fc.string(), (k) => EMAIL_KINDS.includes(emailKindOfNotice(k))));
});

test('a choice the person made wins over the default; without one the default holds', () => {
  expect(wants(undefined, 'plan-decisions')).toBe(true);
  expect(wants({}, 'milestones')).toBe(false);
  expect(wants({ 'plan-decisions': false }, 'plan-decisions')).toBe(false);
  expect(wants({ milestones: true }, 'milestones')).toBe(true);
  for (const k of EMAIL_KINDS) expect(EMAIL_KIND_INFO[k].label).not.toBe('');
});

test('only plain addresses are sent to: no spaces, angle brackets or second recipients', () => {
  expect(sendableAddress(' Maya.Patel@District.example ')).toBe('maya.patel@district.example');
  for (const bad of [undefined, '', 'maya', 'a@b', 'a b@c.org', 'a@c.org>, <x@evil.org', 'a@c.org\r\nBcc: x@evil.org', 'a,b@c.org']) expect(sendableAddress(bad)).toBeUndefined();
});

test('the digest belongs to its send day, from its hour on, and to no other day', () => {
  expect(digestWeek(new Date('2026-12-07T12:00:00Z'), 1, 12)).toBe('2026-12-07'); // a Monday
  expect(digestWeek(new Date('2026-12-07T23:59:00Z'), 1, 12)).toBe('2026-12-07');
  expect(digestWeek(new Date('2026-12-07T11:59:00Z'), 1, 12)).toBeUndefined();
  expect(digestWeek(new Date('2026-12-08T12:00:00Z'), 1, 12)).toBeUndefined();
});
