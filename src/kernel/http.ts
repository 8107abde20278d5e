import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config';

const TIMEOUT_MS = 20_000;

/** A platform service call that did not succeed; status 0 when the platform could not be reached. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Unreachable, timed out, throttled or a server error: worth trying again later. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Canvas refuses API calls without a User-Agent; every platform gets ours. */
function userAgent(): string {
  return `PD-Pathways/1.0 (+${config().publicUrl})`;
}

/** fetch with our User-Agent and a timeout; network failures become a retryable ServiceError. */
export async function serviceFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('User-Agent', userAgent());
  try {
    return await fetch(url, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new ServiceError(0, `${new URL(url).host} could not be reached: ${(err as Error).message}`);
  }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** When and how long a platform call is tried again. */
export interface RetryPolicy {
  /** Tries after the first one. */
  retries: number;
  /** A wait longer than this (a platform's Retry-After included) is not waited: the answer is returned. */
  maxWaitMs: number;
  /** The waits of one call together stay under this. */
  maxTotalWaitMs: number;
  /** Whether this answer is worth trying again. */
  retryOn(res: Response): boolean | Promise<boolean>;
  /** The wait before try `attempt + 1` when the platform sent no Retry-After. */
  backoffMs(attempt: number): number;
}

/**
 * Sends, and sends again while the policy says the answer is worth it, waiting as the platform's
 * Retry-After asks (else the backoff), within bounded retries and a bounded total wait.
 */
export async function fetchWithRetries(send: () => Promise<Response>, policy: RetryPolicy): Promise<Response> {
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (attempt >= policy.retries || !(await policy.retryOn(res))) return res;
    const wait = retryAfterMs(res) ?? policy.backoffMs(attempt);
    if (wait > policy.maxWaitMs || waited + wait > policy.maxTotalWaitMs) return res;
    waited += wait;
    await res.body?.cancel();
    await sleep(wait);
  }
}

/** A ServiceError describing a non-2xx answer (with the start of its body, never a token). */
export async function failureOf(res: Response, what: string): Promise<ServiceError> {
  const body = (await res.text().catch(() => '')).slice(0, 300);
  return new ServiceError(res.status, `${what} answered ${res.status}${body ? `: ${body}` : ''}`, retryAfterMs(res));
}

export async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.ok) return res;
  throw await failureOf(res, what);
}

/** The rel="next" URL of a Link header (AGS and NRPS containers page this way). */
export function nextPageUrl(link: string | null): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    const rel = /rel\s*=\s*"?([^";]*)"?/i.exec(match?.[2] ?? '')?.[1] ?? '';
    if (match?.[1] && rel.toLowerCase().split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}
