import { GradeBackDoc, PlacementDoc } from './model';
import type { GradeTally } from './service';
import { isoDate, isoMoment } from '../web/format';

const KIND_LABELS: Record<string, string> = { plan: 'PD plan', pathway: 'Pathway', goal: 'Goal', badges: 'Badge wall', badge: 'Badge' };

/** `courseName` names a course by its context id (title, else label, else the id). */
export function placementRow(p: PlacementDoc, courseName: (contextId: string) => string, tally: GradeTally | undefined) {
  return {
    id: String(p._id),
    course: courseName(p.contextId),
    /** The course a course copy brought the link from. */
    copiedFrom: p.copiedFrom?.contextId ? courseName(p.copiedFrom.contextId) : '',
    kind: KIND_LABELS[p.kind] ?? p.kind,
    title: p.title,
    column: p.lineItem?.label ?? '',
    columnFound: !!p.lineItemUrl,
    /** The platform was asked to create the column and has not yet (Moodle: the activity form is not saved). */
    columnWaiting: !p.lineItemUrl && !!p.columnWaitingSince,
    columnBy: p.columnBy === 'tool' ? 'PD Pathways' : 'the LMS',
    placedBy: p.placedByName,
    placed: isoDate(p.lastPlacedAt),
    posted: tally?.posted ?? 0,
    queued: tally?.queued ?? 0,
    notApplicable: tally?.notApplicable ?? 0,
  };
}

export function gradeRow(g: GradeBackDoc, person: string) {
  return { person, score: g.scoreGiven, progress: g.activityProgress, status: g.status, note: g.note, at: isoMoment(g.timestamp) };
}

interface Choice {
  id: string;
  group: string;
  title: string;
  text: string;
  target: string;
  kind: 'goal' | 'pathway' | 'badges' | 'badge';
  ref?: string;
  lineItem?: { label: string; scoreMaximum: number; resourceId: string; tag: string };
}

/** One placeable goal per competency: the link opens the teacher's goal in it, the column shows its progress. */
export function goalChoices(competencies: { code: string; name: string }[]): Choice[] {
  return competencies.map((c) => ({
    id: `goal-${c.code}`,
    group: 'Goals',
    title: `Goal: ${c.name}`,
    text: `Opens each teacher’s goal in ${c.code}; the column shows its progress.`,
    target: `/placed/goal/${c.code}`,
    kind: 'goal',
    ref: c.code,
    lineItem: { label: `Goal: ${c.name}`, scoreMaximum: 100, resourceId: `pdp-goal-${c.code}`, tag: 'pd-goal' },
  }));
}

/** Each published pathway: the link opens it (teachers enrol there), the column shows the progress of its goals. */
export function pathwayChoices(published: { _id: unknown; slug: string; title: string }[]): Choice[] {
  return published.map((p) => ({
    id: `pathway-${p.slug}`,
    group: 'Pathways',
    title: `Pathway: ${p.title}`,
    text: 'Opens the pathway, where teachers enrol; the column shows their progress on it.',
    target: `/pathways/${p._id}`,
    kind: 'pathway',
    ref: p.slug,
    lineItem: { label: `Pathway: ${p.title}`, scoreMaximum: 100, resourceId: `pdp-pathway-${p.slug}`, tag: 'pd-pathway' },
  }));
}

/** The badge wall, and one entry per badge whose column gets 1/1 (with a verify link) when it is earned. */
export function badgeChoices(achievements: { _id: unknown; name: string }[]): Choice[] {
  const wall: Choice = { id: 'badges', group: 'Badges', title: 'My badges', text: 'Each teacher’s badge wall, with share and download links.', target: '/badges', kind: 'badges' };
  return [
    wall,
    ...achievements.map((a): Choice => ({
      id: `badge-${a._id}`,
      group: 'Badges',
      title: `Badge: ${a.name}`,
      text: 'Opens the badge wall; the column shows 1/1 once the badge is earned.',
      target: '/badges',
      kind: 'badge',
      ref: String(a._id),
      lineItem: { label: `Badge: ${a.name}`, scoreMaximum: 1, resourceId: `pdp-badge-${a._id}`, tag: 'pd-badge' },
    })),
  ];
}
