import type { ZodError } from 'zod';

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

export class FormExpired extends AppError {
  constructor() {
    super(403, 'This form has expired', 'Go back, reload the page and try again.');
  }
}
