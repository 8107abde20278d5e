import { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { config } from '../../config';
import { Forbidden, NotFound } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { addNavItem } from '../../web/nav';
import { actorOf, readerOf } from '../../web/request';
import { handle } from '../../web/route';
import { certificatePdf, transcriptPdf } from '../pdf';
import { canViewTranscript } from '../policy';
import { certificateView, transcriptCsv, transcriptView } from '../presenter';
import * as credit from '../service';

const PersonParams = z.object({ userId: objectId });
const CertificateParams = z.object({ userId: objectId, recordId: objectId });

/** The transcript of the person in the path, when the actor may read it (their own, or PD staff of the district). */
async function allowedTranscript(req: Request, res: Response) {
  const actor = actorOf(res);
  const userId = new Types.ObjectId(PersonParams.parse(req.params).userId);
  if (!canViewTranscript(actor, { tenantId: actor.tenantId, _id: userId })) throw new Forbidden('A transcript is seen by its teacher and by PD staff only.');
  const t = await credit.transcriptOf(actor.tenantId, userId);
  return { actor, t, view: transcriptView(t, config().publicUrl) };
}

/** Records are private: never cached, never passed on as a Referer. */
function privateDownload(res: Response, filename: string, type: string, body: Buffer | string): void {
  res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
  res.attachment(filename);
  res.type(type).send(body);
}

const fileName = (name: string, ext: string) => `transcript-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'teacher'}.${ext}`;

export function registerTranscriptPages(): void {
  addNavItem({ label: 'My transcript', path: '/my-transcript', section: 'mine', order: 75, visible: () => true });
}

/** A teacher's transcript (page, PDF, CSV) and certificates; PD staff open anyone's in the district. */
export function transcriptRoutes(router: Router): void {

  router.get('/my-transcript', handle(async (_req, res) => {
    res.redirect(303, res.locals.link(`/credit/transcripts/${actorOf(res).userId}`));
  }));

  router.get('/credit/transcripts/:userId', handle(async (req, res) => {
    const { actor, view } = await allowedTranscript(req, res);
    res.set('Cache-Control', 'no-store');
    res.render('credit/transcript', { title: actor.userId.equals(view.teacher.id) ? 'My transcript' : `Transcript: ${view.teacher.name}`, t: view });
  }));

  router.get('/credit/transcripts/:userId/transcript.pdf', handle(async (req, res) => {
    const { actor, view } = await allowedTranscript(req, res);
    privateDownload(res, fileName(view.teacher.name, 'pdf'), 'application/pdf', await transcriptPdf(view, readerOf(actor).locale));
  }));

  router.get('/credit/transcripts/:userId/transcript.csv', handle(async (req, res) => {
    const { t, view } = await allowedTranscript(req, res);
    privateDownload(res, fileName(view.teacher.name, 'csv'), 'text/csv', transcriptCsv(view, t.kinds));
  }));

  router.get('/credit/transcripts/:userId/certificates/:recordId.pdf', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = CertificateParams.parse(req.params);
    const record = await credit.creditRecordOf(actor.tenantId, params.recordId);
    if (String(record.userId) !== params.userId) throw new NotFound('That completion');
    if (!canViewTranscript(actor, { tenantId: record.tenantId, _id: record.userId })) throw new Forbidden('A certificate is seen by its teacher and by PD staff only.');
    const view = certificateView(await credit.certificateFor(record), config().publicUrl);
    privateDownload(res, 'certificate.pdf', 'application/pdf', await certificatePdf(view, readerOf(actor).locale));
  }));
}
