import { createEvents, EventAttributes } from 'ics';
import type { Types } from 'mongoose';
import QRCode from 'qrcode';
import type { ActivityDoc } from '../catalog/service';
import { KIND_LABELS } from '../catalog/service';
import { FieldErrors } from '../kernel/errors';
import type { UserDoc } from '../users/service';
import type { PlanDoc } from '../plans/service';
import { count, isoMoment } from '../web/format';
import type { PdSessionDoc, RegistrationDoc } from './model';
import type { SessionsOfActivity } from './service/offers';
import { cancellationClosedReason, registrationClosedReason, signInOpen, utcToWallTime } from './rules';

type Names = Map<string, string>;

/** "3 of 20 seats left", "Full: 2 on the waitlist". */
export function seatsText(s: Pick<PdSessionDoc, 'seatLimit' | 'seatsLeft' | 'waiting'>): string {
  if (s.seatsLeft > 0 && !s.waiting) return `${s.seatsLeft} of ${count(s.seatLimit, 'seat')} left`;
  return s.waiting ? `Full: ${count(s.waiting, 'person', 'people')} on the waitlist` : 'Full: join the waitlist';
}

export function sessionCard(s: PdSessionDoc, activity: Pick<ActivityDoc, 'title' | 'kind' | 'hours' | 'cost'> | undefined, names: Names, now: Date) {
  return {
    id: String(s._id),
    activityId: String(s.activityId),
    title: activity?.title ?? 'Activity no longer in the catalog',
    kind: activity ? KIND_LABELS[activity.kind as keyof typeof KIND_LABELS] ?? activity.kind : '',
    hours: activity?.hours ?? 0,
    cost: activity?.cost ?? 0,
    startsAt: isoMoment(s.startsAt),
    endsAt: isoMoment(s.endsAt),
    place: s.place,
    onlineUrl: s.onlineUrl,
    facilitators: s.facilitatorIds.map((id) => names.get(String(id)) ?? 'Unnamed'),
    seats: seatsText(s),
    full: s.seatsLeft <= 0 || s.waiting > 0,
    cancelled: s.status === 'cancelled',
    past: s.endsAt < now,
    registrationClosed: registrationClosedReason(s, now),
    registrationCloses: isoMoment(s.registrationClosesAt ?? s.startsAt),
    cancellationClosed: cancellationClosedReason(s, now),
    cancellationDeadline: isoMoment(s.cancellationDeadline ?? s.startsAt),
    signInOpen: signInOpen(s, now),
    attendanceOpen: s.status !== 'cancelled' && s.startsAt.getTime() <= now.getTime() + 60 * 60_000,
  };
}
export type SessionCard = ReturnType<typeof sessionCard>;

/** What the person's own registration says on a session page (a live one: seat, held seat or waitlist). */
export function myPlace(r: RegistrationDoc | null | undefined) {
  if (!r || r.status === 'cancelled' || r.status === 'declined') return undefined;
  return { status: r.status, waitlistNumber: r.waitlistNumber, needsApproval: !!r.needsApproval, registeredAt: isoMoment(r.registeredAt), attendedHours: r.attendance?.hours, credited: !!r.creditedAt };
}

/** The approver's answer to the person's last registration, shown until they register again. */
export function myDecision(r: RegistrationDoc | null | undefined) {
  if (!r?.decision) return undefined;
  return { decision: r.decision.decision, byName: r.decision.byName || 'Your approver', comment: r.decision.comment, at: isoMoment(r.decision.at) };
}

/** Where a person's attendance stands on the roster: credited, waiting for their evaluation, or not credited yet. */
function creditText(r: RegistrationDoc, waitingForEvaluation: ReadonlySet<string>): string {
  if (!r.attendance || r.creditedAt) return '';
  return waitingForEvaluation.has(String(r.userId)) ? 'Present, credit waits for the evaluation' : 'Present, not credited yet: save attendance to try again';
}

export function rosterRow(r: RegistrationDoc, people: Map<string, UserDoc>, waitingForEvaluation: ReadonlySet<string> = new Set()) {
  const p = people.get(String(r.userId));
  return {
    userId: String(r.userId),
    name: p?.name || p?.aliases?.email || 'Unnamed',
    email: p?.aliases?.email ?? '',
    waitlistNumber: r.waitlistNumber,
    registeredAt: isoMoment(r.registeredAt),
    present: !!r.attendance,
    hours: r.attendance ? String(r.attendance.hours) : '',
    method: r.attendance?.method === 'code' ? 'signed in with the code' : r.attendance ? 'ticked on the roster' : '',
    credited: !!r.creditedAt,
    creditWaits: creditText(r, waitingForEvaluation),
  };
}

/** The sign-in QR code as inline SVG (our own markup, from the `qrcode` library; the URL holds no user text). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}

export interface SessionFormValues {
  activityId: string;
  startsAt: string;
  endsAt: string;
  place: string;
  onlineUrl: string;
  facilitatorIds: string[];
  seatLimit: string;
  registrationOpensAt: string;
  registrationClosesAt: string;
  cancellationDeadline: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown) => (Array.isArray(v) ? v.map(str) : v === undefined ? [] : [str(v)]);

export function emptySessionForm(activityId = ''): SessionFormValues {
  return { activityId, startsAt: '', endsAt: '', place: '', onlineUrl: '', facilitatorIds: [], seatLimit: '20', registrationOpensAt: '', registrationClosesAt: '', cancellationDeadline: '' };
}

export function valuesFromSession(s: PdSessionDoc, timeZone: string): SessionFormValues {
  const wall = (d: Date | null | undefined) => utcToWallTime(d ?? undefined, timeZone);
  return {
    activityId: String(s.activityId),
    startsAt: wall(s.startsAt),
    endsAt: wall(s.endsAt),
    place: s.place,
    onlineUrl: s.onlineUrl,
    facilitatorIds: s.facilitatorIds.map(String),
    seatLimit: String(s.seatLimit),
    registrationOpensAt: wall(s.registrationOpensAt),
    registrationClosesAt: wall(s.registrationClosesAt),
    cancellationDeadline: wall(s.cancellationDeadline),
  };
}

export function valuesFromForm(body: Record<string, unknown>): SessionFormValues {
  const b = body ?? {};
  return {
    activityId: str(b.activityId),
    startsAt: str(b.startsAt),
    endsAt: str(b.endsAt),
    place: str(b.place),
    onlineUrl: str(b.onlineUrl),
    facilitatorIds: list(b.facilitatorIds),
    seatLimit: str(b.seatLimit),
    registrationOpensAt: str(b.registrationOpensAt),
    registrationClosesAt: str(b.registrationClosesAt),
    cancellationDeadline: str(b.cancellationDeadline),
  };
}

export function sessionForm(values: SessionFormValues, activities: Pick<ActivityDoc, '_id' | 'title'>[], facilitators: UserDoc[], errors: FieldErrors = {}) {
  return {
    values,
    errors,
    activities: activities.map((a) => ({ value: String(a._id), label: a.title })),
    facilitators: facilitators.map((u) => ({ id: String(u._id), name: u.name || u.aliases?.email || 'Unnamed' })),
  };
}

const APPROVAL_WHY = 'The activity costs more than your district lets you register for without approval';

/** The confirmation after registering, in the person's words. */
export function registeredMessage(o: { status: string; waitlistNumber?: number; needsApproval?: boolean; addedToGoal: boolean; proposed: boolean; goalStatement: string }): string {
  const goal = o.goalStatement.length > 80 ? `${o.goalStatement.slice(0, 79)}…` : o.goalStatement;
  if (o.status === 'awaiting-approval') return `Your seat is held while your approver decides. ${APPROVAL_WHY}; you are told when they decide. Once approved, the activity goes into your goal “${goal}” and you get the calendar invite.`;
  const place = o.status === 'registered' ? 'You are registered: your seat is kept.' : `The session is full: you are number ${o.waitlistNumber} on the waitlist, and you will be told if a seat opens.`;
  if (o.status === 'waitlisted' && o.needsApproval) return `${place} ${APPROVAL_WHY}, so a seat that opens is held for you while your approver decides; then the activity goes into your goal “${goal}”.`;
  const plan = !o.addedToGoal ? `The activity was already in your goal “${goal}”.` : o.proposed ? `The activity was proposed as a change to your approved plan, under “${goal}”; your approver decides.` : `The activity was added to your goal “${goal}”.`;
  return `${place} ${plan}`;
}

export interface CalendarEntry {
  session: PdSessionDoc;
  activity: Pick<ActivityDoc, 'title' | 'description'>;
  registration: Pick<RegistrationDoc, 'status' | 'revision'>;
}

/**
 * One VEVENT per session (RFC 5545 §3.6.1): the UID stays the session's, SEQUENCE rises with every
 * change of the session or the person's place, so calendars update the event instead of adding one.
 */
function calendarEvent(e: CalendarEntry, host: string): EventAttributes {
  const { session, activity, registration } = e;
  const cancelled = session.status === 'cancelled' || registration.status === 'cancelled';
  const waitlisted = registration.status === 'waitlisted';
  const description = [activity.description, session.onlineUrl ? `Join online: ${session.onlineUrl}` : '', waitlisted ? 'You are on the waitlist: this becomes a seat only if one opens.' : ''].filter(Boolean).join('\n\n');
  return {
    uid: `pd-session-${session._id}@${host}`,
    title: waitlisted ? `${activity.title} (waitlist)` : activity.title,
    description,
    location: session.place || (session.onlineUrl ? 'Online' : undefined),
    ...(session.onlineUrl ? { url: session.onlineUrl } : {}),
    start: session.startsAt.getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: session.endsAt.getTime(),
    endInputType: 'utc',
    endOutputType: 'utc',
    status: cancelled ? 'CANCELLED' : waitlisted ? 'TENTATIVE' : 'CONFIRMED',
    sequence: (session.sequence ?? 0) + (registration.revision ?? 0),
    productId: 'PD Pathways',
  };
}

/** An invite (METHOD:PUBLISH, or METHOD:CANCEL once cancelled) or a subscribed feed of several sessions. */
export function calendarFile(entries: CalendarEntry[], publicUrl: string, kind: 'invite' | 'feed'): string {
  const host = new URL(publicUrl).host;
  const cancelled = kind === 'invite' && entries.length > 0 && entries.every((e) => e.session.status === 'cancelled' || e.registration.status === 'cancelled');
  const header = { productId: 'PD Pathways', method: cancelled ? 'CANCEL' : 'PUBLISH', ...(kind === 'feed' ? { calName: 'PD sessions' } : {}) };
  const { error, value } = createEvents(entries.map((e) => calendarEvent(e, host)), header);
  if (error || !value) throw error ?? new Error('calendar file could not be written');
  return value;
}

/** A session on the facilitator home: when, how full, and how much attendance is still open. */
export function facilitatorRow(s: PdSessionDoc, title: string | undefined, counts: { seated: number; waiting: number; unmarked: number }, now = new Date()) {
  return {
    id: String(s._id),
    title: title ?? 'Activity no longer in the catalog',
    startsAt: isoMoment(s.startsAt),
    place: s.place || 'Online',
    started: s.startsAt <= now,
    seats: `${counts.seated} of ${count(s.seatLimit, 'seat')} taken`,
    waiting: counts.waiting ? `${count(counts.waiting, 'person', 'people')} waiting` : 'nobody waiting',
    unmarked: counts.unmarked,
    toMark: `${count(counts.unmarked, 'person', 'people')} not marked yet`,
  };
}

/** A seat held for approval, as the approver's queue shows it. */
export function approvalRow(p: { registration: RegistrationDoc; session: PdSessionDoc }, activity: Pick<ActivityDoc, 'title' | 'cost' | 'hours'> | undefined, teacher: Pick<UserDoc, 'name' | 'aliases'> | undefined, goal: { statement: string; planId: string } | undefined) {
  const { registration: r, session: s } = p;
  return {
    id: String(r._id),
    sessionId: String(s._id),
    teacher: teacher?.name || teacher?.aliases?.email || 'A teacher',
    title: activity?.title ?? 'Activity no longer in the catalog',
    cost: activity?.cost ?? 0,
    hours: activity?.hours ?? 0,
    startsAt: isoMoment(s.startsAt),
    place: s.place || 'Online',
    askedAt: isoMoment(r.promotedAt ?? r.registeredAt),
    goal: goal?.statement,
    planId: goal?.planId,
  };
}

const HELD_LABELS: Record<string, string> = { registered: 'Registered for the session on', 'awaiting-approval': 'Seat held, awaiting approval, for the session on' };

/**
 * The link beside an activity in a teacher's goal or pathway step, made for the goal it is met in: their
 * place in its upcoming session, else the sessions open to register for (carrying the goal, which the
 * session page then preselects), else none.
 */
export function activitySessionsLink(activityId: string, found: SessionsOfActivity | undefined) {
  if (found?.mine) {
    const { session, status, waitlistNumber } = found.mine;
    const place = { label: HELD_LABELS[status] ?? `Waitlist #${waitlistNumber ?? ''} for the session on`, when: isoMoment(session.startsAt), path: `/sessions/${session._id}`, tone: status === 'registered' ? ('ok' as const) : ('warn' as const) };
    return () => place;
  }
  if (!found?.open) return undefined;
  const label = found.open === 1 ? 'Register for its session' : `Register for a session (${found.open} open)`;
  return (goalId?: string) => ({ label, path: '/sessions', query: { activity: activityId, ...(goalId ? { goal: goalId } : {}) } });
}

/** The goals a session can be for: open ones, and a completed one only where the activity already is (it takes no more). */
export function goalChoices(plan: PlanDoc | null | undefined, activityId: Types.ObjectId) {
  return (plan?.goals ?? [])
    .map((g) => ({ g, holds: g.activities.some((a) => a.activityId?.equals(activityId)) }))
    .filter(({ g, holds }) => g.status !== 'completed' || holds)
    .map(({ g, holds }) => ({ value: String(g._id), label: g.statement.length > 90 ? `${g.statement.slice(0, 89)}…` : g.statement, holds }));
}
