import { Request, Response, Router } from 'express';
import { Conflict, Forbidden, Invalid } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { addNavItem } from '../../web/nav';
import { actorOf } from '../../web/request';
import { handle } from '../../web/route';
import { canViewStipendReport } from '../policy';
import { stipendCsv, StipendReportView, stipendReportView } from '../presenter';
import { calendarMonth } from '../rules';
import * as credit from '../service';

const PATH = '/credit/stipends';

function requireStipendStaff(res: Response) {
  const actor = actorOf(res);
  if (!canViewStipendReport(actor, { _id: actor.tenantId })) throw new Forbidden('Only PD staff see the stipend report.');
  return actor;
}

/** The period as typed in the query string (anything but one string per field reads as empty). */
const typedPeriod = (req: Request) => ({ from: typeof req.query.from === 'string' ? req.query.from.slice(0, 40) : '', to: typeof req.query.to === 'string' ? req.query.to.slice(0, 40) : '' });

/** The report for the period asked for; a refused period throws Invalid before anything is read. */
async function report(req: Request, res: Response): Promise<StipendReportView> {
  const actor = requireStipendStaff(res);
  const period = credit.stipendPeriod(typedPeriod(req));
  return stipendReportView(period, await credit.stipendsIn(actor.tenantId, period), actor.platform.family);
}

/** The page with its period form; a refused period shows what was typed, its error, and no report. */
function render(res: Response, values: { from: string; to: string }, opts: { view?: StipendReportView; err?: Invalid | Conflict } = {}) {
  const now = new Date();
  res.set('Cache-Control', 'no-store');
  res.render('credit/stipends', { title: 'Stipends', values, view: opts.view, errors: opts.err?.fields ?? {}, message: opts.err?.message, thisMonth: calendarMonth(now), lastMonth: calendarMonth(now, 1) });
}

export function registerStipendPages(): void {
  addNavItem({ label: 'Stipends', path: PATH, section: 'district', order: 87, visible: (a) => canViewStipendReport(a, { _id: a.tenantId }) });
}

/** PD staff: stipends earned in a period, per teacher, and the CSV for payroll. */
export function stipendRoutes(router: Router): void {

  router.get(PATH, formRoute(
    async (req, res) => {
      const view = await report(req, res);
      render(res, view.period, { view });
    },
    async (req, res, err) => render(res, typedPeriod(req), { err }),
  ));

  router.get(`${PATH}.csv`, handle(async (req, res) => {
    const view = await report(req, res);
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    res.attachment(`stipends-${view.period.from}-to-${view.period.to}.csv`);
    res.type('text/csv').send(stipendCsv(view));
  }));
}
