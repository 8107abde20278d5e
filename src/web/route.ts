import { Request, RequestHandler, Response } from 'express';

/** An async route handler whose errors reach the error middleware (express 4 does not await). */
export function handle(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}
