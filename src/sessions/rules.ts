/**
 * Session rules without I/O: the session form, district wall-clock times, when registration,
 * cancellation and self sign-in are open, whether a registration keeps a plan within its caps and
 * whether it waits for the plan's approver.
 */
import { z } from 'zod';
import { formList, objectId } from '../kernel/validation';

// ---------------------------------------------------------------------------------------------
// District wall-clock times (a `datetime-local` field means a time in the district's zone)

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** How far the zone's clock is ahead of UTC at this moment, in ms. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - utcMs;
}

/** "2026-03-08T09:30" on the district's clock as a moment; undefined when it is not such a string. */
export function wallTimeToUtc(local: string, timeZone: string): Date | undefined {
  const m = WALL_TIME.exec(local.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const asIfUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(asIfUtc)) return undefined;
  // Twice: the offset at the guessed moment may differ from the one at the answer (a DST change between them).
  const first = asIfUtc - zoneOffsetMs(asIfUtc, timeZone);
  return new Date(asIfUtc - zoneOffsetMs(first, timeZone));
}

/** A moment as the district's clock shows it, for `datetime-local` fields ("2026-03-08T09:30"). */
export function utcToWallTime(moment: Date | null | undefined, timeZone: string): string {
  if (!moment) return '';
  return new Date(moment.getTime() + zoneOffsetMs(moment.getTime(), timeZone)).toISOString().slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// The session form

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const wallTime = (missing: string) => z.preprocess(blank, z.string(missing).regex(WALL_TIME, 'Enter a date and time'));
const optionalWallTime = z.preprocess(blank, z.string().regex(WALL_TIME, 'Enter a date and time').optional());

/** A session as PD staff enter it; times are the district's wall clock, converted by sessionTimes(). */
export const SessionInput = z.object({
  activityId: objectId,
  startsAt: wallTime('Enter when the session starts'),
  endsAt: wallTime('Enter when the session ends'),
  place: z.preprocess(blank, z.string().max(200, 'Keep the place under 200 characters').optional()),
  onlineUrl: z.preprocess(blank, z.string().max(500, 'Keep the link under 500 characters').url('Enter the full meeting link, starting with https://').refine((u) => u.startsWith('https://'), 'Enter the full meeting link, starting with https://').optional()),
  facilitatorIds: formList(objectId),
  seatLimit: z.preprocess(blank, z.coerce.number('Enter the number of seats').int('Enter a whole number of seats').min(1, 'At least 1 seat').max(5000, 'At most 5000 seats')),
  registrationOpensAt: optionalWallTime,
  registrationClosesAt: optionalWallTime,
  cancellationDeadline: optionalWallTime,
});
export type SessionInput = z.infer<typeof SessionInput>;

export interface SessionTimes {
  startsAt: Date;
  endsAt: Date;
  registrationOpensAt?: Date;
  registrationClosesAt?: Date;
  cancellationDeadline?: Date;
}

/** The form's wall-clock times as moments, and what is wrong with them (field → message). */
export function sessionTimes(input: SessionInput, timeZone: string): { times: SessionTimes; problems: Record<string, string> } {
  const at = (v: string | undefined) => (v ? wallTimeToUtc(v, timeZone) : undefined);
  const times = { startsAt: at(input.startsAt)!, endsAt: at(input.endsAt)!, registrationOpensAt: at(input.registrationOpensAt), registrationClosesAt: at(input.registrationClosesAt), cancellationDeadline: at(input.cancellationDeadline) };
  const problems: Record<string, string> = {};
  if (times.endsAt <= times.startsAt) problems.endsAt = 'The session ends before it starts';
  if (times.registrationClosesAt && times.registrationClosesAt > times.startsAt) problems.registrationClosesAt = 'Registration closes after the session starts';
  if (times.registrationOpensAt && times.registrationOpensAt >= (times.registrationClosesAt ?? times.startsAt)) problems.registrationOpensAt = 'Registration opens after it closes';
  if (times.cancellationDeadline && times.cancellationDeadline > times.startsAt) problems.cancellationDeadline = 'The cancellation deadline is after the session starts';
  if (!input.place && !input.onlineUrl) problems.place = 'Give a place or an online meeting link';
  if (!times.startsAt || !times.endsAt) problems.startsAt = 'Enter a date and time that exists';
  return { times, problems };
}

/**
 * The form checked in the district's zone: field problems and time problems are reported together,
 * even when some fields did not parse (each time rule needs only its own fields).
 */
export function sessionInputIn(timeZone: string) {
  return SessionInput.superRefine(
    (raw, ctx) => {
      const input = raw as Partial<SessionInput>;
      const wellFormed = (v: unknown) => typeof v === 'string' && WALL_TIME.test(v);
      if (!wellFormed(input.startsAt) || !wellFormed(input.endsAt)) return;
      const optional = (v: unknown) => (wellFormed(v) ? (v as string) : undefined);
      const { problems } = sessionTimes({ ...input, registrationOpensAt: optional(input.registrationOpensAt), registrationClosesAt: optional(input.registrationClosesAt), cancellationDeadline: optional(input.cancellationDeadline) } as SessionInput, timeZone);
      for (const [path, message] of Object.entries(problems)) ctx.addIssue({ code: 'custom', path: [path], message });
    },
    { when: () => true },
  );
}

// ---------------------------------------------------------------------------------------------
// When things are open

type Timed = { status: string; startsAt: Date; endsAt: Date; registrationOpensAt?: Date | null; registrationClosesAt?: Date | null; cancellationDeadline?: Date | null };

/** Registration closes when the session starts unless PD staff set an earlier close. */
export function registrationCloses(s: Timed): Date {
  return s.registrationClosesAt ?? s.startsAt;
}

/** Why nobody can register now, or undefined when registration is open. */
export function registrationClosedReason(s: Timed, now: Date): string | undefined {
  if (s.status === 'cancelled') return 'This session was cancelled.';
  if (s.registrationOpensAt && now < s.registrationOpensAt) return 'Registration has not opened yet.';
  if (now >= registrationCloses(s)) return 'Registration for this session has closed.';
  return undefined;
}

/** A participant cancels themselves until the deadline (else until the session starts). */
export function cancellationClosedReason(s: Timed, now: Date): string | undefined {
  if (now >= (s.cancellationDeadline ?? s.startsAt)) return 'The cancellation deadline has passed; ask the facilitator to take you off the list.';
  return undefined;
}

/** Self sign-in opens this long before the start and stays open this long after the end. */
export const SIGN_IN_EARLY_MS = 30 * 60_000;
export const SIGN_IN_LATE_MS = 30 * 60_000;

export function signInOpen(s: Timed, now: Date): boolean {
  return s.status !== 'cancelled' && now.getTime() >= s.startsAt.getTime() - SIGN_IN_EARLY_MS && now.getTime() <= s.endsAt.getTime() + SIGN_IN_LATE_MS;
}

/** Codes avoid letters and digits people confuse (0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 6;

/** What a person typed, as a code: spaces and dashes dropped, upper case. */
export function normaliseCode(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Caps

type Totals = { problems: { cap: string; message: string }[] };

/** The cap the plan with the session's activity added would break (the required minimum never stops a registration). */
export function capBreach(withActivity: Totals): string | undefined {
  return withActivity.problems.find((p) => p.cap === 'maxCostPerYear' || p.cap === 'maxHoursPerYear')?.message;
}

// ---------------------------------------------------------------------------------------------
// Approval

/** The district wants its approver to approve registrations for activities costing more than its limit (none: never). */
export function needsApproval(cost: number, limit: number | null | undefined): boolean {
  return typeof limit === 'number' && cost > limit;
}

/** A registration holding a seat: a confirmed one, or one whose seat is kept while the approver decides. */
export function holdsSeat(status: string): boolean {
  return status === 'registered' || status === 'awaiting-approval';
}

/** What a person gets with a seat: a registration, or, when it needs approval, a held seat waiting for it. */
export function seatedStatus(r: { needsApproval?: boolean | null }): 'registered' | 'awaiting-approval' {
  return r.needsApproval ? 'awaiting-approval' : 'registered';
}
