import { Types } from 'mongoose';

/**
 * The reports feature keeps no collection of its own: every figure comes from the owning feature's
 * report queries (plans, pathways, assessments, groups, completions). This is its data model.
 */
export const REPORT_KEYS = ['participation', 'schools', 'competencies', 'caps', 'reviews', 'time', 'growth', 'activities', 'sources'] as const;
export type ReportKey = (typeof REPORT_KEYS)[number];

/** What every report is cut by: a period, a school or group, a pathway. */
export interface ReportFilter {
  from?: Date;
  /** Exclusive: the day after the last day chosen. */
  to?: Date;
  groupId?: Types.ObjectId;
  slug?: string;
}

export interface ParticipationRow {
  slug: string;
  title: string;
  enrolled: number;
  completed: number;
  inProgress: number;
  notStarted: number;
  overdue: number;
}

export interface SchoolRow {
  groupId: string;
  name: string;
  kind: string;
  members: number;
  enrolled: number;
  pathwaysCompleted: number;
  plannedHoursPerYear: number;
  plannedCostPerYear: number;
  hoursDone: number;
  overCap: number;
}

export interface CompetencyRow {
  code: string;
  name: string;
  goals: number;
  goalsCompleted: number;
  teachers: number;
  pathwayEnrolments: number;
}

export interface CapRow {
  userId: string;
  name: string;
  groups: string;
  status: string;
  /** Assigned a plan before their first launch, and nothing done on it: not counted as having a plan. */
  waitingForLaunch: boolean;
  hoursPerYear: number;
  costPerYear: number;
  hoursDone: number;
  overCost: boolean;
  overHours: boolean;
  underMinimum: boolean;
}

export interface ReviewRow {
  userId: string;
  planId: string;
  name: string;
  groups: string;
  kind: 'annual' | 'final';
  dueAt: Date;
  daysOverdue: number;
}

export interface TimeRow {
  slug: string;
  title: string;
  completed: number;
  medianDays: number;
  averageDays: number;
  fastestDays: number;
  slowestDays: number;
}

export interface GrowthRow {
  code: string;
  name: string;
  teachers: number;
  pre: number;
  post: number;
  change: number;
}

export interface ActivityRow {
  title: string;
  planned: number;
  completed: number;
}

export interface SourceRow {
  source: string;
  completions: number;
  hours: number;
}

export interface Headline {
  /** Launched, or acted on their plan; people assigned before their first launch are counted apart. */
  teachersWithPlans: number;
  waitingForLaunch: number;
  enrolled: number;
  pathwaysCompleted: number;
  completionRate: number;
  hoursDone: number;
  plannedCostPerYear: number;
  overCap: number;
  reviewsDue: number;
}

export interface ReportSet {
  participation: ParticipationRow[];
  schools: SchoolRow[];
  competencies: CompetencyRow[];
  caps: CapRow[];
  reviews: ReviewRow[];
  time: TimeRow[];
  growth: GrowthRow[];
  activities: ActivityRow[];
  sources: SourceRow[];
}

/** One learner of an LMS course as the course's instructor sees them: their current plan in numbers, nothing private. */
export interface CourseParticipantRow {
  name: string;
  /** Absent: launched PD Pathways but has no plan yet. */
  plan?: { status: string; goals: number; goalsDone: number; hoursPlanned: number; hoursDone: number; nextReview?: { kind: 'annual' | 'final'; dueAt: Date } };
}

export interface CourseProgress {
  course: { title: string; label: string };
  participants: CourseParticipantRow[];
  /** Learners of the course who have not opened PD Pathways yet (nothing of theirs is shown). */
  notLaunched: number;
}
