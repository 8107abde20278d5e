import fc from 'fast-check';
import { digestWeek, remindsNow, renewalReminder, EMAIL_KIND_INFO, EMAIL_KINDS, emailKindOfNotice, sendableAddress, wants } from '../../src/email/rules';

test('every notice kind the features write becomes the email a person would look for', () => {
  expect(emailKindOfNotice('plan.submitted')).toBe('plan-submitted');
  expect(emailKindOfNotice('change.submitted')).toBe('plan-submitted');
  expect(emailKindOfNotice('plan.approved')).toBe('plan-decisions');
  expect(emailKindOfNotice('change.returned')).toBe('plan-decisions');
  expect(emailKindOfNotice('session.promoted')).toBe('sessions');
  expect(emailKindOfNotice('session.cancelled')).toBe('sessions');
  expect(emailKindOfNotice('session.reminder')).toBe('session-reminders');
  expect(emailKindOfNotice('session.approval-requested')).toBe('plan-submitted');
  expect(emailKindOfNotice('session.declined')).toBe('sessions');
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

test('a session is reminded of within its last day, never after it started', () => {
  const starts = new Date('2031-01-15T15:00:00Z');
  expect(remindsNow(starts, new Date('2031-01-14T14:00:00Z'))).toBe(false);
  expect(remindsNow(starts, new Date('2031-01-14T15:00:00Z'))).toBe(true);
  expect(remindsNow(starts, new Date('2031-01-15T14:59:00Z'))).toBe(true);
  expect(remindsNow(starts, new Date('2031-01-15T15:00:00Z'))).toBe(false);
});

test('a renewal not yet met is reminded of at 180 and at 30 days left; a met or past one never', () => {
  expect(renewalReminder(400, false)).toBeUndefined();
  expect(renewalReminder(180, false)).toBe(180);
  expect(renewalReminder(31, false)).toBe(180);
  expect(renewalReminder(30, false)).toBe(30);
  expect(renewalReminder(1, false)).toBe(30);
  expect(renewalReminder(10, true)).toBeUndefined();
  expect(renewalReminder(0, false)).toBeUndefined();
});
