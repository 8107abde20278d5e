import type { Request, RequestHandler, Response } from 'express';
import type { SimCore } from './core';

const RATE_LIMIT_BUDGET = 700;
const RATE_LIMIT_WINDOW_MS = 60_000;

/** Middleware every LTI service route runs: faults, the flavor's API rules, then the bearer token check. */
export function serviceGuards(core: SimCore, anyOfScopes: string[]): RequestHandler[] {
  return [core.faults.middleware(), flavorApiRules(core), requireScope(core, anyOfScopes)];
}

function flavorApiRules(core: SimCore): RequestHandler {
  const recent: number[] = [];
  return (req, res, next) => {
    if (core.profile.rateLimitHeaders) {
      const now = Date.now();
      while (recent.length > 0 && (recent[0] ?? now) < now - RATE_LIMIT_WINDOW_MS) recent.shift();
      recent.push(now);
      res.set('X-Rate-Limit-Remaining', Math.max(0, RATE_LIMIT_BUDGET - recent.length).toFixed(1));
    }
    if (core.profile.requiresUserAgent && !req.get('user-agent')) {
      serviceError(res, 403, 'A User-Agent header is required');
      return;
    }
    next();
  };
}

function requireScope(core: SimCore, anyOf: string[]): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const token = match?.[1] ? core.tokens.lookup(match[1]) : undefined;
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      serviceError(res, 401, 'Missing, unknown or expired access token');
      return;
    }
    if (!anyOf.some((scope) => token.scopes.includes(scope))) {
      serviceError(res, 403, `Insufficient scope; needs one of: ${anyOf.join(' ')}`);
      return;
    }
    next();
  };
}

export function serviceError(res: Response, status: number, message: string): void {
  res.status(status).json({ errors: [{ message }] });
}

export interface Page<T> {
  items: T[];
  /** Value for the `Link` header, when there is one. */
  link?: string;
}

/**
 * Pages a list the way the flavor does: Canvas with `page`/`per_page` (accepting `limit`) and
 * current/next/first/last links; Moodle with `limit`/`from` and a next link only.
 */
export function paginate<T>(core: SimCore, req: Request, items: T[], defaultSize: number): Page<T> {
  const size = positiveInt(req.query.limit ?? req.query.per_page) ?? defaultSize;
  const linkTo = (params: Record<string, string>, drop: string[] = []): string => {
    const next = new URL(core.urls.base + req.path);
    for (const [key, value] of Object.entries(req.query)) {
      if (typeof value === 'string' && !drop.includes(key)) next.searchParams.set(key, value);
    }
    for (const [key, value] of Object.entries(params)) next.searchParams.set(key, value);
    return next.toString();
  };

  if (core.profile.flavor === 'moodle') {
    const from = positiveInt(req.query.from) ?? 0;
    const more = from + size < items.length;
    return {
      items: items.slice(from, from + size),
      ...(more && { link: `<${linkTo({ limit: String(size), from: String(from + size) })}>; rel="next"` }),
    };
  }

  const page = positiveInt(req.query.page) ?? 1;
  const lastPage = Math.max(1, Math.ceil(items.length / size));
  const pageUrl = (n: number): string => linkTo({ page: String(n), per_page: String(size) }, ['limit']);
  const links = [`<${pageUrl(page)}>; rel="current"`];
  if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`);
  links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(lastPage)}>; rel="last"`);
  return { items: items.slice((page - 1) * size, page * size), link: links.join(',') };
}

function positiveInt(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

export function sendPage<T>(res: Response, page: Page<T>, mediaType: string, body: unknown): void {
  if (page.link) res.set('Link', page.link);
  res.type(mediaType).send(JSON.stringify(body));
}
