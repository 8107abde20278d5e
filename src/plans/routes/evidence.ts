import { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden, Invalid } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canDownloadEvidence, canVerifyEvidence } from '../policy';
import * as plans from '../service';
import { by, oid, progressPlan, readablePlan, ActivityParams, EvidenceParams } from './common';
import { renderActivity } from './pages';

/** Multer in memory; a file over the limit becomes a field message instead of an error page. */
function evidenceUpload() {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: plans.evidenceMaxBytes(), files: 1, fields: 20 } }).single('file');
  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err: unknown) => {
      if ((err as { code?: string } | undefined)?.code === 'LIMIT_FILE_SIZE') {
        res.locals.fileTooLarge = true;
        return next();
      }
      next(err);
    });
  };
}

/** Uploading, verifying and downloading an activity's evidence. */
export function evidenceRoutes(router: Router): void {
  router.post('/plans/:id/goals/:goalId/activities/:aid/evidence', evidenceUpload(), requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan } = await progressPlan(actor, params.id);
      if (res.locals.fileTooLarge) throw new Invalid('The file is too large; nothing was saved.', { file: `Files can be at most ${Math.round(plans.evidenceMaxBytes() / 1024 / 1024)} MB` });
      await plans.addEvidence(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), req.body, req.file, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await renderActivity(res, actor, plan, teacher, params, { message: err.message, errors: err.fields, values: req.body ?? {} });
    },
  ));

  router.post('/plans/:id/goals/:goalId/activities/:aid/evidence/:eid/decision', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = EvidenceParams.parse(req.params);
      const { plan } = await readablePlan(actor, params.id);
      if (!canVerifyEvidence(actor, plan)) throw new Forbidden('Evidence is verified by an approver.');
      await plans.decideEvidence(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), oid(params.eid), req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = EvidenceParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      const errors = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`${k}-${params.eid}`, v]));
      await renderActivity(res, actor, plan, teacher, params, { message: err.message, errors });
    },
  ));

  router.get('/plans/:id/goals/:goalId/activities/:aid/evidence/:eid/file', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = EvidenceParams.parse(req.params);
    const { plan, teacher } = await readablePlan(actor, params.id);
    if (!canDownloadEvidence(actor, plan, teacher)) throw new Forbidden('Evidence files are open to the teacher, their coach and approvers.');
    const file = plans.openEvidenceFile(plans.findEvidence(plan, params.goalId, params.aid, params.eid));
    res.attachment(file.filename);
    res.type(file.contentType);
    file.stream.on('error', () => res.destroy()).pipe(res);
  }));
}
