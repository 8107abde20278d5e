import { Router } from 'express';
import { config } from '../../config';
import { handle } from '../../web/route';
import { certificateView, transcriptView } from '../presenter';
import * as credit from '../service';

/** Public pages (no LTI session) that confirm a printed transcript or certificate, like a badge's verify page. */
export function publicCreditRouter(): Router {
  const router = Router();
  router.get('/verify/:tenantId/transcripts/:userId/:issued/:seal', handle(async (req, res) => {
    const t = await credit.verifiedTranscript(req.params as { tenantId: string; userId: string; issued: string; seal: string });
    res.set('Referrer-Policy', 'no-referrer');
    res.render('credit/verify-transcript', { title: 'Transcript verified', t: transcriptView(t, config().publicUrl) });
  }));
  router.get('/verify/:tenantId/certificates/:certificateId', handle(async (req, res) => {
    const c = await credit.verifiedCertificate(String(req.params.tenantId), String(req.params.certificateId));
    res.set('Referrer-Policy', 'no-referrer');
    res.render('credit/verify-certificate', { title: 'Certificate verified', c: certificateView(c, config().publicUrl) });
  }));
  return router;
}
