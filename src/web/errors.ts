import { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, Conflict, fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { logger } from '../log';

const TOO_LARGE = 'Too large';
const MALFORMED = 'The upload could not be read';

/** body-parser's error types (https://github.com/expressjs/body-parser#errors): status, title, message. */
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, TOO_LARGE, 'The request body is too large.'],
  'parameters.too.many': [413, TOO_LARGE, 'The form has too many fields.'],
  'entity.parse.failed': [400, 'Please check your input', 'The request body could not be read (it is not valid JSON or form data).'],
  'encoding.unsupported': [415, 'Unsupported encoding', 'The request body uses a content encoding PD Pathways does not accept.'],
  'charset.unsupported': [415, 'Unsupported encoding', 'The request body uses a character set PD Pathways does not accept; send UTF-8.'],
  'request.aborted': [400, 'Request interrupted', 'The request ended before its body arrived. Please try again.'],
  'request.size.invalid': [400, 'Please check your input', 'The request body was not the length it announced.'],
};

/** Multer's limit and form errors (MulterError codes). */
const UPLOAD_ERRORS: Record<string, [number, string, string]> = {
  LIMIT_FILE_SIZE: [413, TOO_LARGE, 'The file is larger than the allowed size.'],
  LIMIT_FILE_COUNT: [413, TOO_LARGE, 'Too many files: send one file at a time.'],
  LIMIT_PART_COUNT: [413, TOO_LARGE, 'The form has too many parts.'],
  LIMIT_FIELD_COUNT: [413, TOO_LARGE, 'The form has too many fields.'],
  LIMIT_FIELD_KEY: [413, TOO_LARGE, 'A field name in the form is too long.'],
  LIMIT_FIELD_VALUE: [413, TOO_LARGE, 'A field in the form is too long.'],
  LIMIT_UNEXPECTED_FILE: [400, MALFORMED, 'The form sent a file in a field that does not take one.'],
  MISSING_FIELD_NAME: [400, MALFORMED, 'A part of the form has no field name.'],
  LIMIT_FIELD_NESTING: [400, MALFORMED, 'A field name in the form is nested too deeply.'],
  LIMIT_FIELD_ARRAY_INDEX: [400, MALFORMED, 'A field name in the form has too large an index.'],
  INVALID_FIELD_NAME: [400, MALFORMED, 'A field name in the form is not valid.'],
  STREAM_DESTROYED: [400, MALFORMED, 'The upload was interrupted. Please try again.'],
};

/** Busboy (under multer) rejects a broken multipart body with plain errors known by their message. */
const BROKEN_MULTIPART = /^(Malformed part header|Unexpected end of (form|file)|Multipart: Boundary not found)$/;

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new Invalid('Some fields need attention.', fieldErrors(err));
  const e = err as { type?: string; name?: string; code?: number | string; message?: string };
  const known = (typeof e?.type === 'string' && BODY_ERRORS[e.type]) || (typeof e?.code === 'string' && e.name === 'MulterError' && UPLOAD_ERRORS[e.code]);
  if (known) return new AppError(...known);
  if (typeof e?.message === 'string' && BROKEN_MULTIPART.test(e.message)) return new AppError(400, MALFORMED, 'The uploaded form was incomplete or malformed. Please try again.');
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
