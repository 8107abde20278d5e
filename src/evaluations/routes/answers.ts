import { Request, Response, Router } from 'express';
import { z } from 'zod';
import { Conflict, Forbidden, Invalid } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { formRoute } from '../../web/forms';
import { actorOf, requireCsrf } from '../../web/request';
import { handle } from '../../web/route';
import { canEvaluate } from '../policy';
import { answerForm } from '../presenter';
import * as evaluations from '../service';
import { by } from './forms';

const Params = z.object({ id: objectId });
const Done = z.object({ done: z.enum(['sent', 'credited']).optional() });

/**
 * The answers a form sent (`answers.<question key>` fields), read by key rather than unflattened: a key is
 * 12 random hex digits, and one made only of digits (about 1 in 280) read as an array index and was lost.
 */
function sentAnswers(body: unknown): Record<string, unknown> {
  const fields = typeof body === 'object' && body !== null ? Object.entries(body) : [];
  return Object.fromEntries(fields.flatMap(([name, value]) => (/^answers\.[a-f0-9]{12}$/.test(name) ? [[name.slice('answers.'.length), value]] : [])));
}

/** The participant's page: the form to answer, or what they sent; nobody else's answers, ever. */
async function renderAnswerPage(req: Request, res: Response, err?: Invalid | Conflict): Promise<void> {
  const actor = actorOf(res);
  const given = await evaluations.evaluationToGive(actor.tenantId, Params.parse(req.params).id, actor.userId);
  if (!canEvaluate(actor, given.registration)) throw new Forbidden('Only people whose attendance of this session is recorded evaluate it.');
  const done = Done.catch({}).parse(req.query);
  const typed = err ? sentAnswers(req.body) : {};
  res.status(err ? err.status : 200).render('evaluations/answer', {
    title: `Evaluate: ${given.activityTitle}`,
    sessionId: String(given.session._id),
    startsAt: given.session.startsAt.toISOString(),
    form: given.form && !given.response ? answerForm(given.form, typed) : undefined,
    sent: !!given.response,
    requiredForCredit: given.requiredForCredit,
    anonymous: (await evaluations.anonymity(actor.tenantId)).anonymousToFacilitators,
    confirmation: done.done === 'credited' ? 'Thank you: your evaluation was sent, and the activity is now marked done in your plan with its credit.' : done.done === 'sent' ? 'Thank you: your evaluation was sent.' : undefined,
    message: err?.message,
    errors: err?.fields ?? {},
  });
}

export function answerRoutes(router: Router): void {
  router.get('/evaluations/sessions/:id', handle(async (req, res) => renderAnswerPage(req, res)));

  router.post('/evaluations/sessions/:id', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const given = await evaluations.evaluationToGive(actor.tenantId, Params.parse(req.params).id, actor.userId);
      if (!canEvaluate(actor, given.registration)) throw new Forbidden('Only people whose attendance of this session is recorded evaluate it.');
      const { released } = await evaluations.submitEvaluation(actor.tenantId, given.session._id, by(actor), sentAnswers(req.body));
      res.redirect(303, res.locals.link(evaluations.evaluationPath(given.session._id), { done: released ? 'credited' : 'sent' }));
    },
    (req, res, err) => renderAnswerPage(req, res, err),
  ));
}
