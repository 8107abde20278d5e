import { setTimeout as sleep } from 'node:timers/promises';
import { failureOf, fetchWithRetries, nextPageUrl, serviceFetch } from '../kernel/http';

const BASE_BACKOFF_MS = 250;
const MAX_WAIT_MS = 60_000;
/** Below this many units of Canvas's rate-limit bucket, pause before the next call. */
const LOW_BUCKET = 50;

export interface LmsRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  form?: Record<string, string>;
}

function backoff(attempt: number): number {
  return Math.min(MAX_WAIT_MS, BASE_BACKOFF_MS * 2 ** attempt + Math.random() * BASE_BACKOFF_MS);
}

/** 429, or Canvas's 403 "Rate Limit Exceeded". */
async function isThrottled(res: Response): Promise<boolean> {
  if (res.status === 429) return true;
  return res.status === 403 && /rate limit exceeded/i.test(await res.clone().text());
}

function send(req: LmsRequest): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  const body = req.form ? new URLSearchParams(req.form).toString() : undefined;
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  return serviceFetch(req.url, { method: req.method ?? 'GET', headers, body });
}

/**
 * One LMS REST call, retried with exponential backoff and jitter when throttled (honouring
 * Retry-After) or when the platform fails (5xx); slows down when Canvas's bucket runs low.
 */
export async function lmsFetch(req: LmsRequest): Promise<Response> {
  const res = await fetchWithRetries(() => send(req), {
    retries: 4,
    maxWaitMs: MAX_WAIT_MS,
    maxTotalWaitMs: 3 * MAX_WAIT_MS,
    retryOn: async (r) => r.status >= 500 || (await isThrottled(r)),
    backoffMs: backoff,
  });
  const remaining = Number(res.headers.get('x-rate-limit-remaining') ?? Infinity);
  if (remaining < LOW_BUCKET) await sleep(backoff(1));
  return res;
}

export async function expectJson<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw await failureOf(res, what);
  return (await res.json()) as T;
}

/** Every page of a paginated list, following Link rel="next". */
export async function* pages<T>(first: string, headers: Record<string, string>, what: string): AsyncGenerator<T[]> {
  let url: string | undefined = first;
  while (url) {
    const res = await lmsFetch({ url, headers });
    yield await expectJson<T[]>(res, what);
    url = nextPageUrl(res.headers.get('link'));
  }
}
