import { Response } from 'express';
import { config } from '../config';
import { originOf } from '../kernel/origin';

/**
 * Who may frame a page (CSP `frame-ancestors`). The header starts as `'self'` only; a page of a launched
 * session widens it to the origins of that session's platform, a registration page to its LMS, and a
 * refusal page — nothing to click, no session — to any LMS so the admin can read why.
 */

const HEADER = 'Content-Security-Policy';

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
