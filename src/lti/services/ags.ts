// LTI Assignment and Grade Services 2.0: https://www.imsglobal.org/spec/lti-ags/v2p0#score-service
import { z } from 'zod';
import { TenantId } from '../../db/tenancy';
import { expectOk, failureOf, nextPageUrl, ServiceError, serviceFetch } from '../../kernel/http';
import { LTI_SCOPES } from '../message/scopes';
import { forgetServiceToken, serviceToken } from './serviceToken';

/** One scope set for every AGS call, so a tenant needs one cached token for grade-back. */
const AGS_SCOPES = [LTI_SCOPES.lineItem, LTI_SCOPES.score];

export const AGS_MEDIA = {
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

export interface LineItemSpec {
  label: string;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
}

export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

export interface Score {
  /** The LTI `sub` of the learner. */
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  /** ISO 8601; must increase per user and line item. */
  timestamp: string;
  comment?: string;
}

/** Posted, or refused for this user in a way that retrying cannot change (not a student, a newer score there). */
export type ScoreOutcome = { posted: true } | { posted: false; reason: string };

/** The line item URL no longer exists on the platform (deleted column): find or create it again. */
export class LineItemGone extends ServiceError {
  constructor(url: string) {
    super(404, `The line item ${url} no longer exists`);
  }

  /** The next attempt finds or creates the column again. */
  override get retryable(): boolean {
    return true;
  }
}

const LineItemJson = z.object({ id: z.string().url(), resourceId: z.string().optional(), tag: z.string().optional() });

/** An authorized AGS request; a refused token (401) is dropped and the call made once more with a new one. */
async function agsFetch(tenantId: TenantId, url: string, init: RequestInit = {}): Promise<Response> {
  const attempt = async () => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${await serviceToken(tenantId, AGS_SCOPES)}`);
    return serviceFetch(url, { ...init, headers });
  };
  const res = await attempt();
  if (res.status !== 401) return res;
  forgetServiceToken(tenantId, AGS_SCOPES);
  return attempt();
}

function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/** The line item with this resourceId and tag in a course, following the container's pages. */
export async function findLineItem(tenantId: TenantId, lineItemsUrl: string, spec: LineItemSpec): Promise<string | undefined> {
  let url: string | undefined = withQuery(lineItemsUrl, { resource_id: spec.resourceId, tag: spec.tag });
  while (url) {
    const res = await expectOk(await agsFetch(tenantId, url, { headers: { Accept: AGS_MEDIA.lineItemContainer } }), 'The line items service');
    const items = z.array(LineItemJson).catch([]).parse(await res.json().catch(() => []));
    // Some platforms ignore the filters: match here as well.
    const match = items.find((i) => i.resourceId === spec.resourceId && i.tag === spec.tag);
    if (match) return match.id;
    url = nextPageUrl(res.headers.get('link'));
  }
  return undefined;
}

export async function createLineItem(tenantId: TenantId, lineItemsUrl: string, spec: LineItemSpec): Promise<string> {
  const res = await agsFetch(tenantId, lineItemsUrl, {
    method: 'POST',
    headers: { 'Content-Type': AGS_MEDIA.lineItem, Accept: AGS_MEDIA.lineItem },
    body: JSON.stringify(spec),
  });
  await expectOk(res, 'Creating a line item');
  const created = LineItemJson.safeParse(await res.json().catch(() => undefined));
  if (!created.success) throw new ServiceError(502, 'The platform created a line item but did not say where');
  return created.data.id;
}

/** Finds the course's line item by resourceId and tag before creating one, so redelivery never duplicates it. */
export async function findOrCreateLineItem(tenantId: TenantId, lineItemsUrl: string, spec: LineItemSpec): Promise<string> {
  return (await findLineItem(tenantId, lineItemsUrl, spec)) ?? createLineItem(tenantId, lineItemsUrl, spec);
}

/** `/scores` goes before any query string (Moodle's line item URLs carry ?type_id=). */
export function scoresUrl(lineItemUrl: string): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/scores`;
  return u.toString();
}

async function lineItemExists(tenantId: TenantId, lineItemUrl: string): Promise<boolean> {
  const res = await agsFetch(tenantId, lineItemUrl, { headers: { Accept: AGS_MEDIA.lineItem } });
  if (res.status === 404) return false;
  await expectOk(res, 'The line item');
  return true;
}

/**
 * Posts a score. Platform quirks: Moodle answers 200 with an empty body; Canvas 404s (or 422s) and
 * Moodle 400s for users who cannot be graded, and both refuse a timestamp that is not newer (400/409):
 * those are "not applicable" for this user, never worth retrying. A 404 whose line item is gone
 * throws LineItemGone instead.
 */
export async function postScore(tenantId: TenantId, lineItemUrl: string, score: Score): Promise<ScoreOutcome> {
  const res = await agsFetch(tenantId, scoresUrl(lineItemUrl), {
    method: 'POST',
    headers: { 'Content-Type': AGS_MEDIA.score },
    body: JSON.stringify(score),
  });
  if (res.ok) return { posted: true };
  if (res.status === 404 && !(await lineItemExists(tenantId, lineItemUrl))) throw new LineItemGone(lineItemUrl);
  if ([400, 404, 409, 422].includes(res.status)) {
    const detail = (await res.text().catch(() => '')).slice(0, 200);
    return { posted: false, reason: `The LMS refused the score for this user (${res.status})${detail ? `: ${detail}` : ''}` };
  }
  throw await failureOf(res, 'The scores service');
}
