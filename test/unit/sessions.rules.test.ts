import { cancellationClosedReason, capBreach, holdsSeat, needsApproval, normaliseCode, seatedStatus, registrationClosedReason, sessionInputIn, signInOpen, utcToWallTime, wallTimeToUtc } from '../../src/sessions/rules';

const at = (iso: string) => new Date(iso);

test('district wall-clock times convert to moments and back, across daylight-saving changes', () => {
  expect(wallTimeToUtc('2031-01-15T09:00', 'America/Chicago')).toEqual(at('2031-01-15T15:00:00Z'));
  expect(wallTimeToUtc('2031-07-15T09:00', 'America/Chicago')).toEqual(at('2031-07-15T14:00:00Z'));
  // The morning after the spring change (2031-03-09 in the US) and the evening before it.
  expect(wallTimeToUtc('2031-03-09T09:00', 'America/New_York')).toEqual(at('2031-03-09T13:00:00Z'));
  expect(wallTimeToUtc('2031-03-08T21:00', 'America/New_York')).toEqual(at('2031-03-09T02:00:00Z'));
  expect(wallTimeToUtc('2031-01-15T09:00', 'UTC')).toEqual(at('2031-01-15T09:00:00Z'));
  expect(wallTimeToUtc('15/01/2031 9am', 'UTC')).toBeUndefined();
  expect(utcToWallTime(at('2031-07-15T14:00:00Z'), 'America/Chicago')).toBe('2031-07-15T09:00');
  expect(utcToWallTime(undefined, 'UTC')).toBe('');
});

test('the session form reports field and time problems together', () => {
  const r = sessionInputIn('UTC').safeParse({ activityId: 'a'.repeat(24), startsAt: '2031-01-15T09:00', endsAt: '2031-01-15T08:00', seatLimit: '0', cancellationDeadline: '2031-01-16T09:00' });
  expect(r.success).toBe(false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  expect(paths).toEqual(expect.arrayContaining(['seatLimit', 'endsAt', 'cancellationDeadline', 'place']));
  expect(sessionInputIn('UTC').safeParse({ activityId: 'a'.repeat(24), startsAt: '2031-01-15T09:00', endsAt: '2031-01-15T10:00', onlineUrl: 'http://meet.example/x', seatLimit: '3' }).error!.issues[0]!.path).toEqual(['onlineUrl']);
});

const session = { status: 'scheduled', startsAt: at('2031-01-15T15:00:00Z'), endsAt: at('2031-01-15T17:00:00Z') };

test('registration is open from the opening time until the close (else the start), never for a cancelled session', () => {
  expect(registrationClosedReason(session, at('2031-01-10T00:00:00Z'))).toBeUndefined();
  expect(registrationClosedReason(session, at('2031-01-15T15:00:00Z'))).toContain('closed');
  expect(registrationClosedReason({ ...session, registrationOpensAt: at('2031-01-12T00:00:00Z') }, at('2031-01-10T00:00:00Z'))).toContain('not opened');
  expect(registrationClosedReason({ ...session, registrationClosesAt: at('2031-01-14T00:00:00Z') }, at('2031-01-14T00:00:01Z'))).toContain('closed');
  expect(registrationClosedReason({ ...session, status: 'cancelled' }, at('2031-01-10T00:00:00Z'))).toContain('cancelled');
});

test('self-cancellation ends at the deadline; self sign-in is open half an hour either side of the session', () => {
  expect(cancellationClosedReason(session, at('2031-01-15T14:59:00Z'))).toBeUndefined();
  expect(cancellationClosedReason({ ...session, cancellationDeadline: at('2031-01-14T00:00:00Z') }, at('2031-01-14T00:00:00Z'))).toContain('deadline');
  expect(signInOpen(session, at('2031-01-15T14:29:00Z'))).toBe(false);
  expect(signInOpen(session, at('2031-01-15T14:30:00Z'))).toBe(true);
  expect(signInOpen(session, at('2031-01-15T17:30:00Z'))).toBe(true);
  expect(signInOpen(session, at('2031-01-15T17:31:00Z'))).toBe(false);
  expect(signInOpen({ ...session, status: 'cancelled' }, at('2031-01-15T16:00:00Z'))).toBe(false);
  expect(normaliseCode(' k7m-q2p ')).toBe('K7MQ2P');
});

test('only the cost and hours caps stop a registration', () => {
  expect(capBreach({ problems: [{ cap: 'minHoursPerYear', message: 'under' }] })).toBeUndefined();
  expect(capBreach({ problems: [{ cap: 'minHoursPerYear', message: 'under' }, { cap: 'maxCostPerYear', message: 'over the cost cap' }] })).toBe('over the cost cap');
});

test('a registration needs approval only above the district’s limit, and then a seat is held for it', () => {
  expect(needsApproval(450, 300)).toBe(true);
  expect(needsApproval(300, 300)).toBe(false);
  expect(needsApproval(0, 0)).toBe(false);
  expect(needsApproval(1, 0)).toBe(true);
  expect(needsApproval(9000, null)).toBe(false);
  expect(needsApproval(9000, undefined)).toBe(false);
  expect(seatedStatus({ needsApproval: true })).toBe('awaiting-approval');
  expect(seatedStatus({})).toBe('registered');
  expect(['registered', 'awaiting-approval', 'waitlisted', 'cancelled', 'declined'].filter(holdsSeat)).toEqual(['registered', 'awaiting-approval']);
});
