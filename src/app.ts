import crypto from 'node:crypto';
import path from 'node:path';
import express, { Express } from 'express';
import pinoHttp from 'pino-http';
import type { Provider } from 'ltijs';
import { AppConfig } from './config';
import { logger, safeUrl } from './log';
import { PUBLIC_DIR, ROOT, VIEWS_DIR } from './paths';
import { setupLti } from './lti/launch/provider';
import { canvasConfigRouter } from './lti/registration/dynamicRegistration';
import { registrationRouter } from './registration/routes';
import { placementsRouter } from './placements/pickerRoutes';
import { handleDeepLinkingLaunch, handleLaunch } from './session/launch';
import { loadActor } from './session/loadActor';
import { browserReader } from './web/request';
import { errorHandler, notFoundHandler } from './web/errors';
import { healthRouter } from './web/health';
import { requireHttps, securityHeaders } from './web/security';
import { usersRouter } from './users/routes';
import { notificationsRouter } from './notifications/routes';
import { auditRouter } from './audit/routes';
import { auditDirectory } from './auditDirectory';
import { frameworksRouter } from './frameworks/routes';
import { catalogRouter } from './catalog/routes';
import { assessmentsRouter } from './assessments/routes';
import { tenantsRouter } from './tenants/routes';
import { groupsRouter } from './groups/routes';
import { pathwaysRouter } from './pathways/routes';
import { reportsRouter } from './reports/routes';
import { plansRouter } from './plans/routes';
import { creditRouter, publicCreditRouter } from './credit/routes';
import { recordPrintRouter } from './plans/recordRoutes';
import { completionHooksRouter, completionsRouter } from './completions/routes';
import { credentialsRouter, publicCredentialsRouter } from './credentials/routes';
import { gradebookRouter } from './placements/routes';
import { outboxRouter } from './outbox/routes';
import { emailRouter, publicEmailRouter } from './email/routes';
import { registerAllReactions } from './reactions';
import { pathwayPlacedIn } from './placements/service';
import { deleteForUser as forgetAssessments } from './assessments/service';
import { publicSessionsRouter, sessionsRouter } from './sessions/routes';
import { evaluationsRouter } from './evaluations/routes';
import { requestsRouter } from './requests/routes';
import { queueReadiness } from './outbox/service';

export interface BuiltApp {
  app: Express;
  lti: Provider;
}

function requestLogging() {
  return pinoHttp({
    logger: logger(),
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: { req: (req) => ({ id: req.id, method: req.method, url: safeUrl(req.url) }) },
    autoLogging: { ignore: (req) => req.url === '/healthz' },
  });
}

function staticAssets(app: Express): void {
  app.use('/public', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  app.get('/favicon.ico', (_req, res) => res.type('image/svg+xml').sendFile(path.join(PUBLIC_DIR, 'img/logo.svg')));
  // chart.js is served from the installed package, never from a CDN.
  app.get('/public/vendor/chart.umd.js', (_req, res) => res.sendFile(path.join(ROOT, 'node_modules/chart.js/dist/chart.umd.js')));
}

/** Routers reached without an LTI session: registration, LMS webhooks, public credential pages, issuer keys, the record's print view, calendar feeds, transcript and certificate verify pages, email unsubscribe links. */
function mountPublic(app: Express): void {
  app.use(canvasConfigRouter());
  app.use(registrationRouter());
  app.use(completionHooksRouter());
  app.use(publicCredentialsRouter());
  app.use(recordPrintRouter());
  app.use(publicSessionsRouter());
  app.use(publicCreditRouter());
  app.use(publicEmailRouter());
}

/** Routers that need a launched user: they run on the ltijs app, behind its ltik validation. */
function mountAuthenticated(lti: Provider, cfg: AppConfig): void {
  lti.app.set('views', VIEWS_DIR);
  lti.app.set('view engine', 'ejs');
  lti.app.set('view cache', true);
  lti.app.locals.toolName = cfg.lti.toolName;
  lti.app.use(loadActor);
  lti.app.use(usersRouter());
  lti.app.use(notificationsRouter());
  lti.app.use(emailRouter());
  lti.app.use(auditRouter(auditDirectory));
  lti.app.use(frameworksRouter());
  lti.app.use(catalogRouter());
  lti.app.use(sessionsRouter());
  lti.app.use(evaluationsRouter());
  lti.app.use(assessmentsRouter());
  lti.app.use(tenantsRouter());
  lti.app.use(groupsRouter());
  lti.app.use(pathwaysRouter(pathwayPlacedIn));
  lti.app.use(reportsRouter());
  lti.app.use(plansRouter(forgetAssessments));
  lti.app.use(creditRouter());
  lti.app.use(requestsRouter());
  lti.app.use(completionsRouter());
  lti.app.use(credentialsRouter());
  lti.app.use(gradebookRouter());
  lti.app.use(outboxRouter());
  lti.app.use(placementsRouter());
}

/** Builds the whole HTTP app on an already-connected database (mongoose connected, ltijs given the URI). */
export async function buildApp(cfg: AppConfig, dbUri: string, publicRouters: express.Router[] = []): Promise<BuiltApp> {
  registerAllReactions();
  const app = express();
  app.set('trust proxy', cfg.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  // Compiled templates are cached in every environment (express only does so in production by default).
  app.set('view cache', true);
  app.disable('x-powered-by');
  app.locals.toolName = cfg.lti.toolName;

  app.use(requestLogging());
  app.use(securityHeaders(cfg));
  app.use(requireHttps(cfg));
  app.use(browserReader);
  staticAssets(app);
  app.use(healthRouter({ outbox: queueReadiness }));
  mountPublic(app);
  for (const router of publicRouters) app.use(router);

  const lti = await setupLti(cfg, dbUri, { resourceLink: handleLaunch, deepLinking: handleDeepLinkingLaunch });
  mountAuthenticated(lti, cfg);
  app.use(lti.app);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return { app, lti };
}
