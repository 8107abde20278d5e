import { Response } from 'express';
import { config } from '../config';

/**
 * Who may frame a page (CSP `frame-ancestors`). The header starts as `'self'` only; a page of a launched
 * session widens it to the origins of that session's platform, a registration page to its LMS, and a
 * refusal page — nothing to click, no session — to any LMS so the admin can read why.
 */

const HEADER = 'Content-Security-Policy';
/** Host names only: a `;`, `,` or quote that URL parsing lets through would end the directive. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The https origin of a URL (http outside production), or undefined for anything else. */
export function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 2000) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const schemeOk = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && config().env !== 'production');
  if (!schemeOk || !HOST.test(parsed.hostname)) return undefined;
  return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
}

/** A local LMS or the demo on any port, outside production. */
function developmentOrigins(): string[] {
  return config().env === 'production' ? [] : ['http://localhost:*', 'http://127.0.0.1:*'];
}

export function defaultFrameAncestors(): string[] {
  return ["'self'", ...developmentOrigins()];
}

function setFrameAncestors(res: Response, sources: string[]): void {
  const csp = res.getHeader(HEADER);
  if (typeof csp !== 'string' || res.headersSent) return;
  const directive = `frame-ancestors ${[...new Set(sources)].join(' ')}`;
  res.setHeader(HEADER, csp.replace(/frame-ancestors [^;]*/, directive));
}

/** This page may be framed by these origins (each checked again) besides the defaults. */
export function allowFraming(res: Response, origins: Iterable<string | undefined>): void {
  const valid = [...origins].map(originOf).filter((o): o is string => !!o);
  setFrameAncestors(res, [...defaultFrameAncestors(), ...valid]);
}

/** Refusal pages carry no session and no form: any https page (an LMS we do not know yet) may show them. */
export function allowFramingByAnyLms(res: Response): void {
  setFrameAncestors(res, [...defaultFrameAncestors(), 'https:']);
}
