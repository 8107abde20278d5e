import { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { logger } from '../log';

export type FieldErrors = Record<string, string>;

/** An error a user can act on; status and message are safe to show. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly fields: FieldErrors = {},
  ) {
    super(message);
  }
}

export class NotFound extends AppError {
  constructor(what = 'That page') {
    super(404, 'Not found', `${what} could not be found.`);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'You do not have permission to do that.') {
    super(403, 'Not allowed', message);
  }
}

export class Invalid extends AppError {
  constructor(message: string, fields: FieldErrors = {}) {
    super(400, 'Please check your input', message, fields);
  }
}

export class Conflict extends AppError {
  constructor(message: string) {
    super(409, 'Conflict', message);
  }
}

export class Unauthorized extends AppError {
  constructor(message: string) {
    super(401, 'Please launch from your LMS', message);
  }
}

/** Field-keyed messages from a zod failure, e.g. { "goals.0.statement": "Required" }. */
export function fieldErrors(err: ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of err.issues) {
    const key = issue.path.join('.') || '_';
    out[key] ??= issue.message;
  }
  return out;
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new Invalid('Some fields need attention.', fieldErrors(err));
  const e = err as { type?: string; status?: number; code?: number | string };
  if (e?.type === 'entity.too.large') return new AppError(413, 'Too large', 'The request body is too large.');
  if (e?.type === 'entity.parse.failed') return new Invalid('The request body is not valid JSON.');
  if (e?.code === 'LIMIT_FILE_SIZE') return new AppError(413, 'Too large', 'The file is larger than the allowed size.');
  if (e?.code === 11000) return new Conflict('That already exists.');
  return undefined;
}

export function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/') || req.path.startsWith('/hooks/')) return true;
  return req.accepts(['html', 'json']) === 'json';
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(new NotFound());

/** The one error middleware: an HTML page inside the LMS frame, or JSON problem details. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toAppError(err);
  const status = known?.status ?? 500;
  if (!known) logger().error({ err, reqId: req.id }, 'unhandled error');
  const title = known?.title ?? 'Something went wrong';
  const detail = known?.message ?? 'An unexpected error happened. It has been logged; please try again.';
  if (res.headersSent) return;
  res.status(status);
  if (wantsJson(req)) {
    res.type('application/problem+json').send(
      JSON.stringify({ type: 'about:blank', title, status, detail, errors: known?.fields ?? {}, requestId: req.id }),
    );
    return;
  }
  res.render('error', { title, status, detail, fields: known?.fields ?? {}, requestId: req.id });
};

export class FormExpired extends AppError {
  constructor() {
    super(403, 'This form has expired', 'Go back, reload the page and try again.');
  }
}
