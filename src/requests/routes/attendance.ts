import { Request, Response, Router } from 'express';
import { z } from 'zod';
import { Forbidden, Invalid, NotFound } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canClaimReimbursement, canOpenRequestFiles, canUploadProof } from '../policy';
import * as requests from '../service';
import type { RequestDone } from '../presenter';
import { by, fileUpload, readableRequest, renderRequest, requireManager, uploadedFiles } from './common';

const FileParams = z.object({ id: objectId, fileId: objectId });

/** A POST on the request page: refused input shows the page again with the form's message and what was typed. */
function requestForm(name: string, done: RequestDone, act: (req: Request, res: Response, found: Awaited<ReturnType<typeof readableRequest>>) => Promise<void>) {
  return formRoute(
    async (req, res) => {
      const found = await readableRequest(req, res);
      if (res.locals.uploadRefused) throw new Invalid('The upload was refused; nothing was saved.', { [name]: res.locals.uploadRefused });
      await act(req, res, found);
      res.redirect(303, res.locals.link(requests.requestPath(found.r), { done }));
    },
    async (req, res, err) => {
      const { actor, r } = await readableRequest(req, res);
      await renderRequest(res, actor, r, { name, message: err.message, errors: err.fields, values: req.body ?? {} });
    },
  );
}

/** Proof of attendance and reimbursement claims (teacher), their decisions (PD staff), and the files. */
export function attendanceRoutes(router: Router): void {
  router.post('/requests/:id/proof', fileUpload('proof', 1), requireCsrf, requestForm('proof', 'proof-sent', async (req, _res, { actor, r }) => {
    if (!canUploadProof(actor, r)) throw new Forbidden('Proof is sent by the teacher, once the request is approved.');
    await requests.uploadProof(actor.tenantId, r._id, uploadedFiles(req)[0], by(actor));
  }));

  router.post('/requests/:id/proof/decision', requireCsrf, requestForm('proofDecision', 'proof-decided', async (req, _res, { actor, r }) => {
    requireManager(actor);
    await requests.decideProof(actor.tenantId, r._id, req.body, by(actor));
  }));

  router.post('/requests/:id/reimbursement', fileUpload('receipts', requests.MAX_RECEIPTS), requireCsrf, requestForm('receipts', 'claimed', async (req, _res, { actor, r }) => {
    if (!canClaimReimbursement(actor, r)) throw new Forbidden('Reimbursement is claimed once by the teacher, for an approved request with a cost.');
    await requests.claimReimbursement(actor.tenantId, r._id, req.body, uploadedFiles(req), by(actor));
  }));

  router.post('/requests/:id/reimbursement/decision', requireCsrf, requestForm('claimDecision', 'claim-decided', async (req, _res, { actor, r }) => {
    requireManager(actor);
    await requests.decideReimbursement(actor.tenantId, r._id, req.body, by(actor));
  }));

  router.get('/requests/:id/files/:fileId', handle(async (req, res) => {
    const { actor, r } = await readableRequest(req, res);
    const { fileId } = FileParams.parse(req.params);
    const file = [r.proof, ...(r.reimbursement?.receipts ?? [])].find((f) => f?.fileId && String(f.fileId) === fileId);
    if (!file || !canOpenRequestFiles(actor, r)) throw new NotFound('That file');
    const { stream, filename, contentType } = requests.openFile(file);
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').set('X-Content-Type-Options', 'nosniff');
    res.attachment(filename);
    res.type(contentType);
    stream.pipe(res);
  }));
}
