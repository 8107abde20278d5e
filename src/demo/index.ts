import express, { Router } from 'express';
import { z } from 'zod';
import { AppConfig } from '../config';
import { logger } from '../log';
import { registerPlatform } from '../lti/registration/platforms';
import { demoRoster, PlatformSimulator } from './platform';
import type { Flavor, LaunchSpec } from './platform';
import { useSmtpServer } from '../email/service';
import { MailCapture, mailRouter } from './mail';
import { seedDemoTenant } from './seed';

/** The demo district: the same people in a Canvas-like and a Moodle-like LMS, both served at /demo. */
const PLATFORMS: Record<Flavor, { name: string; clientId: string; deploymentId: string }> = {
  canvas: { name: 'Northfield USD (Canvas demo)', clientId: '10000000000042', deploymentId: '42:demo-northfield' },
  moodle: { name: 'Riverside Schools (Moodle demo)', clientId: 'pdpathways-demo', deploymentId: '1' },
};

const PERSONAS = {
  teacher: { key: 'teacher', label: 'teacher', who: 'Maya Patel, a teacher taking PD' },
  coach: { key: 'coach', label: 'coach', who: 'Sam Rivera, instructional coach (Mentor)' },
  staff: { key: 'pdlead', label: 'PD staff', who: 'Alex Kim, district PD lead (Administrator)' },
  facilitator: { key: 'facilitator', label: 'facilitator', who: 'Dana Brooks, teacher leader who runs PD sessions (Facilitator)' },
} as const;
type Persona = keyof typeof PERSONAS;

const LaunchQuery = z.object({
  as: z.enum(Object.keys(PERSONAS) as [Persona, ...Persona[]]).default('teacher'),
  kind: z.enum(['launch', 'placement']).default('launch'),
});

export interface Demo {
  router: Router;
  /** Registers the demo platforms and seeds their districts; safe on every start. */
  seed(): Promise<void>;
  /** The demo's SMTP server, catching every email, when no SMTP server is configured (never in production). */
  mail?: MailCapture;
  close(): Promise<void>;
}

/** Outside production, with no SMTP server configured, the demo's email goes to its own capturing server. */
async function captureMail(cfg: AppConfig): Promise<MailCapture | undefined> {
  if (cfg.env === 'production' || cfg.email.smtp.host) return undefined;
  const capture = new MailCapture();
  useSmtpServer(await capture.start());
  return capture;
}

function launchSpec(flavor: Flavor, persona: Persona, kind: 'launch' | 'placement'): LaunchSpec {
  const { users, course } = demoRoster(flavor);
  const user = users[PERSONAS[persona].key];
  if (kind === 'placement') return { user: user.sub, course: course.id, messageType: 'LtiDeepLinkingRequest' };
  return { user: user.sub, course: course.id, resourceLink: { id: `demo-${flavor}-home`, title: 'PD Pathways' } };
}

export async function createDemo(cfg: AppConfig): Promise<Demo> {
  const sims = new Map<Flavor, PlatformSimulator>();
  for (const flavor of ['canvas', 'moodle'] as const) {
    const sim = new PlatformSimulator({
      flavor,
      baseUrl: `${cfg.publicUrl}/demo/${flavor}`,
      clientId: PLATFORMS[flavor].clientId,
      deploymentId: PLATFORMS[flavor].deploymentId,
      tool: { loginUrl: `${cfg.publicUrl}/login`, launchUrl: `${cfg.publicUrl}/`, jwksUrl: `${cfg.publicUrl}/keys` },
    });
    await sim.init();
    const { users, course } = demoRoster(flavor);
    Object.values(users).forEach((u) => sim.addUser(u));
    sim.addCourse(course);
    sims.set(flavor, sim);
  }

  const mail = await captureMail(cfg);
  const router = express.Router();
  if (mail) router.use(mailRouter(mail));
  router.get('/demo', (_req, res) => {
    res.render('demo/index', {
      title: 'Try PD Pathways',
      mailCaptured: !!mail,
      platforms: (['canvas', 'moodle'] as const).map((flavor) => ({ flavor, ...PLATFORMS[flavor], course: demoRoster(flavor).course })),
      personas: Object.entries(PERSONAS).map(([id, p]) => ({ id, ...p })),
    });
  });
  for (const [flavor, sim] of sims) {
    // The LMS course page: tool in an iframe, as Canvas and Moodle show it.
    router.get(`/demo/${flavor}/course`, (req, res) => {
      const q = LaunchQuery.parse(req.query);
      res.render('demo/course', {
        title: `${PLATFORMS[flavor].name}`,
        flavor,
        platform: PLATFORMS[flavor],
        course: demoRoster(flavor).course,
        persona: PERSONAS[q.as],
        frameSrc: `/demo/${flavor}/start?as=${q.as}&kind=${q.kind}`,
        storage: sim.platformStorage,
      });
    });
    // Starts a real OIDC login: the LMS sends the browser to the tool's login URL.
    router.get(`/demo/${flavor}/start`, (req, res) => {
      const q = LaunchQuery.parse(req.query);
      res.redirect(302, sim.loginInitiationUrl(launchSpec(flavor, q.as, q.kind)));
    });
    router.use(`/demo/${flavor}`, sim.router);
  }

  return {
    router,
    mail,
    async close() {
      if (!mail) return;
      useSmtpServer(undefined);
      await mail.stop();
    },
    async seed() {
      for (const [flavor, sim] of sims) {
        const tenant = await registerPlatform(
          {
            issuer: sim.issuer,
            clientId: sim.clientId,
            name: PLATFORMS[flavor].name,
            family: flavor,
            authUrl: sim.authUrl,
            tokenUrl: sim.tokenUrl,
            jwksUrl: sim.jwksUrl,
            deploymentIds: [sim.deploymentId],
            source: 'demo',
          },
          // The demo's own simulators move with PUBLIC_URL/PORT; following them is audited like any replacement.
          { whenChanged: 'replace', by: 'demo seed' },
        );
        await seedDemoTenant(tenant._id, { flavor, roster: demoRoster(flavor) });
      }
      logger().info('demo platforms ready at /demo');
    },
  };
}
