import { Request, RequestHandler, Response } from 'express';
import { Conflict, Invalid } from '../kernel/errors';
import { toAppError } from './errors';

/**
 * A form's POST handler: when the input is invalid (Invalid or a zod error) or conflicts with the
 * current state (Conflict), the form is shown again with status 400/409, the message, the field
 * messages and what the user typed; any other error goes to the error page.
 */
export function formRoute(submit: (req: Request, res: Response) => Promise<void>, showAgain: (req: Request, res: Response, error: Invalid | Conflict) => Promise<void>): RequestHandler {
  return async (req, res, next) => {
    try {
      await submit(req, res);
    } catch (err) {
      const known = toAppError(err);
      if (!(known instanceof Invalid || known instanceof Conflict)) return next(err);
      try {
        res.status(known.status);
        await showAgain(req, res, known);
      } catch (renderErr) {
        next(renderErr);
      }
    }
  };
}
