import { z } from 'zod';
import type { LineItem, Score } from './types';
import type { PlatformUrls } from './urls';

// What the AGS endpoints store (apart from the endpoints, so the simulator's core can hold it without a cycle).

const isoDateTime = z.iso.datetime({ offset: true });

export const lineItemBody = z.object({
  label: z.string().trim().min(1),
  scoreMaximum: z.number().positive(),
  resourceId: z.string().optional(),
  tag: z.string().optional(),
  resourceLinkId: z.string().optional(),
  startDateTime: isoDateTime.optional(),
  endDateTime: isoDateTime.optional(),
});

export type LineItemFields = z.infer<typeof lineItemBody>;

export const scoreBody = z.object({
  userId: z.union([z.string().min(1), z.number()]).transform(String),
  scoreGiven: z.number().min(0).optional(),
  scoreMaximum: z.number().min(0).optional(),
  comment: z.string().optional(),
  timestamp: isoDateTime,
  activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
  gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
});

/** Line items and the scores posted to them. */
export class AgsStore {
  private readonly items = new Map<string, LineItem>();
  private readonly scoreLog: Score[] = [];
  private nextId = 1;

  constructor(private readonly urls: PlatformUrls) {}

  create(courseId: string, fields: LineItemFields): LineItem {
    const itemId = String(this.nextId++);
    const item: LineItem = { ...fields, id: this.urls.lineItem(courseId, itemId), courseId };
    this.items.set(storeKey(courseId, itemId), item);
    return item;
  }

  /** By the course and item ids of its URL, so URLs handed out earlier keep working. */
  find(courseId: string, itemId: string): LineItem | undefined {
    return this.items.get(storeKey(courseId, itemId));
  }

  list(courseId?: string): LineItem[] {
    return [...this.items.values()].filter((item) => courseId === undefined || item.courseId === courseId);
  }

  update(item: LineItem, fields: LineItemFields): LineItem {
    const updated: LineItem = { ...fields, id: item.id, courseId: item.courseId };
    for (const [key, stored] of this.items) if (stored.id === item.id) this.items.set(key, updated);
    return updated;
  }

  remove(item: LineItem): void {
    for (const [key, stored] of this.items) if (stored.id === item.id) this.items.delete(key);
  }

  addScore(score: Score): void {
    this.scoreLog.push(score);
  }

  /** Every accepted score, oldest first. */
  scores(lineItemId?: string): Score[] {
    return this.scoreLog.filter((s) => lineItemId === undefined || s.lineItemId === lineItemId);
  }

  latestScore(lineItemId: string, userId: string): Score | undefined {
    return this.latestScores(lineItemId).find((s) => s.userId === userId);
  }

  /** The latest score of each user on a line item. */
  latestScores(lineItemId: string): Score[] {
    const latest = new Map<string, Score>();
    for (const score of this.scores(lineItemId)) latest.set(score.userId, score);
    return [...latest.values()];
  }
}

function storeKey(courseId: string, itemId: string): string {
  return `${courseId}/${itemId}`;
}
