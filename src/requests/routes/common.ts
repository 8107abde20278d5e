import { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as credit from '../../credit/service';
import { Actor } from '../../kernel/actor';
import { Forbidden, NotFound } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import * as plans from '../../plans/service';
import { actorOf } from '../../web/request';
import { canClaimReimbursement, canDecideStep, canManageOutsidePd, canReadRequest, canResubmit, canUploadProof } from '../policy';
import { REQUEST_DONE, RequestDone, requestConfirmation, requestView } from '../presenter';
import * as requests from '../service';

export const Params = z.object({ id: objectId });
const DoneQuery = z.object({ done: z.enum(REQUEST_DONE).optional() }).catch({});

/** The request page after a redirect confirms what the action did. */
export const doneOf = (req: Request) => DoneQuery.parse(req.query).done;
export const by = (actor: Actor) => ({ userId: actor.userId, name: actor.name });
export const oid = (id: string) => new Types.ObjectId(id);

/** The request in the path, when the actor may read it; another district's id, or someone else's, is not found. */
export async function readableRequest(req: Request, res: Response) {
  const actor = actorOf(res);
  const r = await requests.getRequest(actor.tenantId, Params.parse(req.params).id);
  if (!canReadRequest(actor, r)) throw new NotFound('That request');
  return { actor, r };
}

export function requireManager(actor: Actor): void {
  if (!canManageOutsidePd(actor)) throw new Forbidden('Only PD staff do that.');
}

/** Multer in memory for certificates and receipts; a file over the limit becomes a field message. */
export function fileUpload(field: string, maxCount: number) {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: plans.evidenceMaxBytes(), files: maxCount, fields: 20 } }).array(field, maxCount);
  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err: unknown) => {
      const code = (err as { code?: string } | undefined)?.code;
      if (code === 'LIMIT_FILE_SIZE' || code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_UNEXPECTED_FILE') {
        res.locals.uploadRefused = code === 'LIMIT_FILE_SIZE' ? `Files can be at most ${Math.round(plans.evidenceMaxBytes() / 1024 / 1024)} MB` : `At most ${maxCount} file${maxCount === 1 ? '' : 's'}`;
        return next();
      }
      next(err);
    });
  };
}

export const uploadedFiles = (req: Request) => (Array.isArray(req.files) ? req.files : []);

/** The request page, with the forms the actor may use and any message from a refused form. */
export async function renderRequest(res: Response, actor: Actor, r: requests.OutsideRequestDoc, form?: { name: string; message: string; errors: Record<string, string>; values?: Record<string, unknown> }, done?: RequestDone): Promise<void> {
  const [kinds, budget, plan] = await Promise.all([credit.creditKinds(actor.tenantId), r.budgetId ? requests.getBudget(actor.tenantId, r.budgetId).catch(() => undefined) : undefined, plans.getPlan(actor.tenantId, r.planId).catch(() => undefined)]);
  const goal = plan?.goals.find((g) => g._id.equals(r.goalId))?.statement ?? 'A goal no longer in the plan';
  res.render('requests/show', {
    title: r.title,
    request: requestView(r, kinds, budget, goal),
    confirmation: requestConfirmation(done, r),
    may: {
      decide: canDecideStep(actor, r),
      resubmit: canResubmit(actor, r),
      uploadProof: canUploadProof(actor, r),
      verifyProof: canManageOutsidePd(actor) && r.status === 'proof-submitted',
      claim: canClaimReimbursement(actor, r),
      decideClaim: canManageOutsidePd(actor) && r.reimbursement?.status === 'claimed',
    },
    maxReceipts: requests.MAX_RECEIPTS,
    form: form ?? { name: '', message: '', errors: {}, values: {} },
  });
}
