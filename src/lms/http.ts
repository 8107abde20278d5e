import { setTimeout as sleep } from 'node:timers/promises';

/** Canvas refuses API calls without a User-Agent; every LMS call names the tool. */
const USER_AGENT = 'PD Pathways completion sync';
const TIMEOUT_MS = 20_000;
const MAX_RETRIES = 4;
const BASE_BACKOFF_MS = 250;
const MAX_WAIT_MS = 60_000;
/** Below this many units of Canvas's rate-limit bucket, pause before the next call. */
const LOW_BUCKET = 50;

/** An LMS answered with an error the caller should report (the message names status and platform text). */
export class LmsHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LmsRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  form?: Record<string, string>;
}

function backoff(attempt: number): number {
  return Math.min(MAX_WAIT_MS, BASE_BACKOFF_MS * 2 ** attempt + Math.random() * BASE_BACKOFF_MS);
}

function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : new Date(value).getTime() - Date.now();
  return Number.isFinite(ms) ? Math.min(MAX_WAIT_MS, Math.max(0, ms)) : undefined;
}

/** 429, or Canvas's 403 "Rate Limit Exceeded". */
async function isThrottled(res: Response): Promise<boolean> {
  if (res.status === 429) return true;
  return res.status === 403 && /rate limit exceeded/i.test(await res.clone().text());
}

async function send(req: LmsRequest): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...req.headers };
  const body = req.form ? new URLSearchParams(req.form).toString() : undefined;
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  return fetch(req.url, { method: req.method ?? 'GET', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

/**
 * One LMS API call, retried with exponential backoff and jitter when throttled (honouring
 * Retry-After) or when the platform fails (5xx); slows down when Canvas's bucket runs low.
 */
export async function lmsFetch(req: LmsRequest): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await send(req);
    const throttled = await isThrottled(res);
    if ((throttled || res.status >= 500) && attempt < MAX_RETRIES) {
      await sleep(retryAfterMs(res) ?? backoff(attempt));
      continue;
    }
    if (throttled) throw new LmsHttpError(res.status, `the LMS kept refusing with "rate limit exceeded" after ${MAX_RETRIES} retries`);
    const remaining = Number(res.headers.get('x-rate-limit-remaining'));
    if (Number.isFinite(remaining) && res.headers.has('x-rate-limit-remaining') && remaining < LOW_BUCKET) await sleep(backoff(1));
    return res;
  }
}

/** The URL of `rel="next"` in a Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

export async function expectJson<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) {
    const text = (await res.text()).slice(0, 200).replace(/\s+/g, ' ');
    throw new LmsHttpError(res.status, `${what} answered ${res.status}${text ? `: ${text}` : ''}`);
  }
  return (await res.json()) as T;
}

/** Every page of a paginated list, following Link rel="next". */
export async function* pages<T>(first: string, headers: Record<string, string>, what: string): AsyncGenerator<T[]> {
  let url: string | undefined = first;
  while (url) {
    const res = await lmsFetch({ url, headers });
    yield await expectJson<T[]>(res, what);
    url = nextLink(res.headers.get('link'));
  }
}
