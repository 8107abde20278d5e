import { Request, Response, Router } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as users from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { FieldErrors, Forbidden, NotFound } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { objectId } from '../kernel/validation';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import { canManageAchievements, canManageIssuer, canRevokeCredential, canViewRecipients } from './policy';
import {
  achievementForm,
  AchievementFormValues,
  achievementRow,
  EMPTY_ACHIEVEMENT,
  issuedRow,
  keyRow,
  ob2Assertion,
  ob2BadgeClass,
  ob2Issuer,
  ob2RevocationList,
  ob3Achievement,
  ob3IssuerDocument,
  ob3RevocationList,
  obUrls,
  publicJwks,
  showcaseCard,
  valuesFromAchievement,
  valuesFromForm,
  verifyPage,
} from './presenter';
import * as credentials from './service';
import { badgePng, defaultBadgeSvg } from './badgeImage';
import { badgeCards, holderRoutes, publicSharingRoutes } from './holderRoutes';

/** Generous here so a too-large image gets the form's own message; the service enforces 1 MB. */
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 5 * credentials.MAX_IMAGE_BYTES, files: 1 } });
const Params = z.object({ id: objectId });
/** Confirmations shown after a redirect; anything else in the query is ignored. */
const IssuerDone = z.object({ done: z.enum(['saved', 'key-rotated', 'key-withdrawn']).optional().catch(undefined) });

function requireStaff(actor: Actor): void {
  if (!canManageAchievements(actor, { tenantId: actor.tenantId })) throw new Forbidden('Only PD staff can manage achievements.');
}

const by = (actor: Actor) => ({ userId: actor.userId, name: actor.name });

/** The achievement named in the URL, once the actor may manage it. */
async function managedAchievement(req: Request, actor: Actor) {
  const achievement = await credentials.getAchievement(actor.tenantId, Params.parse(req.params).id);
  if (!canManageAchievements(actor, achievement)) throw new Forbidden('Only PD staff can manage achievements.');
  return achievement;
}

function requireIssuerManager(actor: Actor): void {
  if (!canManageIssuer(actor, { tenantId: actor.tenantId })) throw new Forbidden('Only PD staff can manage the badge issuer and its keys.');
}

async function renderForm(res: Response, actor: Actor, opts: { title: string; action: string; values: AchievementFormValues; errors?: FieldErrors; hasImage?: boolean; message?: string }) {
  const [competencies, activities] = await Promise.all([credentials.frameworkCompetencies(actor.tenantId), credentials.microCredentialActivities(actor.tenantId)]);
  res.render('credentials/edit', {
    title: opts.title,
    action: opts.action,
    message: opts.message,
    ...achievementForm(opts.values, opts.errors ?? {}, { competencies, activities, hasImage: !!opts.hasImage }),
  });
}

function imageOf(req: Request): credentials.UploadedImage | undefined {
  return req.file && req.file.size > 0 ? { buffer: req.file.buffer, size: req.file.size } : undefined;
}

function authenticatedRoutes(router: Router): void {
  router.get('/achievements', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    const [list, counts, names] = await Promise.all([credentials.listAchievements(actor.tenantId, { includeArchived: true }), credentials.issuedCounts(actor.tenantId), credentials.competencyNames(actor.tenantId)]);
    res.render('credentials/index', { title: 'Achievements', achievements: list.map((a) => achievementRow(a, counts.get(String(a._id)) ?? 0, names)) });
  }));

  router.get('/achievements/new', handle(async (_req, res) => {
    const actor = actorOf(res);
    requireStaff(actor);
    await renderForm(res, actor, { title: 'New achievement', action: '/achievements', values: EMPTY_ACHIEVEMENT });
  }));

  router.post(
    '/achievements',
    upload.single('image'),
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        requireStaff(actor);
        const input = await credentials.validateAchievement(actor.tenantId, req.body);
        const created = await credentials.createAchievement(actor.tenantId, input, imageOf(req), by(actor));
        res.redirect(303, res.locals.link(`/achievements/${created._id}`));
      },
      async (req, res, err) => {
        await renderForm(res, actorOf(res), { title: 'New achievement', action: '/achievements', values: valuesFromForm(req.body), errors: err.fields, message: err.message });
      },
    ),
  );

  router.get('/achievements/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const achievement = await credentials.getAchievement(actor.tenantId, Params.parse(req.params).id);
    if (!canViewRecipients(actor, achievement)) throw new Forbidden('Only PD staff can see who earned an achievement.');
    const issued = await credentials.credentialsForAchievement(actor.tenantId, achievement._id);
    const names = new Map((await users.listUsers(actor.tenantId, { ids: issued.map((c) => c.userId) })).map((u) => [String(u._id), u.name || 'Unnamed']));
    const activityIds = await credentials.attachedActivityIds(actor.tenantId, achievement._id);
    const activities = (await credentials.microCredentialActivities(actor.tenantId)).filter((a) => activityIds.includes(String(a._id))).map((a) => a.title);
    res.render('credentials/show', {
      title: achievement.name,
      achievement: achievementRow(achievement, issued.length, await credentials.competencyNames(actor.tenantId)),
      criteria: achievement.criteria,
      competencies: await credentials.competenciesOf(actor.tenantId, achievement.competencies),
      activities,
      issued: issued.map((c) => ({ ...issuedRow(c, names.get(String(c.userId)) ?? c.recipientName), canRevoke: canRevokeCredential(actor, c) })),
      manage: canManageAchievements(actor, achievement),
      errors: {},
    });
  }));

  router.get('/achievements/:id/edit', handle(async (req, res) => {
    const actor = actorOf(res);
    const achievement = await managedAchievement(req, actor);
    const values = valuesFromAchievement(achievement, await credentials.attachedActivityIds(actor.tenantId, achievement._id));
    await renderForm(res, actor, { title: `Edit ${achievement.name}`, action: `/achievements/${achievement._id}`, values, hasImage: !!achievement.image?.contentType });
  }));

  router.post(
    '/achievements/:id',
    upload.single('image'),
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const achievement = await managedAchievement(req, actor);
        const input = await credentials.validateAchievement(actor.tenantId, req.body);
        await credentials.updateAchievement(actor.tenantId, achievement._id, input, imageOf(req), by(actor));
        res.redirect(303, res.locals.link(`/achievements/${achievement._id}`));
      },
      async (req, res, err) => {
        const actor = actorOf(res);
        const achievement = await credentials.getAchievement(actor.tenantId, Params.parse(req.params).id);
        const action = `/achievements/${achievement._id}`;
        await renderForm(res, actor, { title: `Edit ${achievement.name}`, action, values: valuesFromForm(req.body), errors: err.fields, hasImage: !!achievement.image?.contentType, message: err.message });
      },
    ),
  );

  for (const [path, status] of [['archive', 'archived'], ['restore', 'active']] as const) {
    router.post(`/achievements/:id/${path}`, requireCsrf, handle(async (req, res) => {
      const actor = actorOf(res);
      const achievement = await managedAchievement(req, actor);
      await credentials.setAchievementStatus(actor.tenantId, achievement._id, status, by(actor));
      res.redirect(303, res.locals.link(`/achievements/${achievement._id}`));
    }));
  }

  router.post('/credentials/:id/revoke', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const credential = await credentials.getCredential(actor.tenantId, Params.parse(req.params).id);
    if (!canRevokeCredential(actor, credential)) throw new Forbidden('Only PD staff can revoke a badge, once.');
    await credentials.revoke(actor.tenantId, credential._id, req.body, by(actor));
    res.redirect(303, res.locals.link(`/achievements/${credential.achievementId}`));
  }));

  router.get('/issuer', handle(async (req, res) => {
    const actor = actorOf(res);
    requireIssuerManager(actor);
    await renderIssuer(res, actor, {}, undefined, IssuerDone.parse(req.query).done);
  }));

  router.post(
    '/issuer',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        requireIssuerManager(actor);
        await credentials.updateIssuerProfile(actor.tenantId, req.body, by(actor));
        res.redirect(303, res.locals.link('/issuer', { done: 'saved' }));
      },
      async (req, res, err) => renderIssuer(res, actorOf(res), err.fields, req.body),
    ),
  );

  router.post('/issuer/keys/rotate', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    requireIssuerManager(actor);
    const { compromised } = await credentials.rotateIssuerKey(actor.tenantId, req.body, by(actor));
    res.redirect(303, res.locals.link('/issuer', { done: compromised ? 'key-withdrawn' : 'key-rotated' }));
  }));
}

async function renderIssuer(res: Response, actor: Actor, errors: FieldErrors, typed?: Record<string, unknown>, done?: string): Promise<void> {
  const [profile, keys] = await Promise.all([credentials.issuerProfile(actor.tenantId), credentials.allIssuerKeys(actor.tenantId)]);
  const values = typed
    ? { name: String(typed.name ?? ''), url: String(typed.url ?? ''), email: String(typed.email ?? ''), linkedInId: String(typed.linkedInId ?? '') }
    : { name: profile.name, url: profile.url, email: profile.email, linkedInId: profile.linkedInId ?? '' };
  res.render('credentials/issuer', { title: 'Badge issuer', values, errors, keys: keys.map(keyRow), urls: obUrls(actor.tenantId), done });
}

/** Its links in the top navigation, and the teacher's badges on their home. */
export function registerCredentialPages(): void {
  addNavItem({ label: 'My badges', path: '/badges', section: 'mine', order: 15, visible: () => true });
  addNavItem({ label: 'Achievements', path: '/achievements', section: 'district', order: 70, visible: (a) => canManageAchievements(a, { tenantId: a.tenantId }) });
  addHomePanel('teacher', async (actor) => {
    const mine = await badgeCards(actor);
    if (!mine.length) return undefined;
    return { order: 40, view: 'credentials/panel', data: { badges: mine.slice(0, 3), total: mine.length } };
  });
}

/** PD staff pages and the teacher's badge wall. */
export function credentialsRouter(): Router {
  const router = Router();
  holderRoutes(router);
  authenticatedRoutes(router);
  return router;
}

// ---------------------------------------------------------------- public (no LTI session)

const TenantParams = z.object({ tenantId: objectId });

/** The tenant named in a public URL; anything malformed is simply not found. */
function tenantOf(req: Request): Types.ObjectId {
  const parsed = TenantParams.safeParse(req.params);
  if (!parsed.success) throw new NotFound('That badge issuer');
  return new Types.ObjectId(parsed.data.tenantId);
}

function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (!value || !/^[\w-]{1,64}$/.test(value)) throw new NotFound();
  return value;
}

/**
 * The credential id dereferences to the credential for machines: VC Data Model 2.0 §6.3 registers
 * application/vc (application/vc+ld+json in its drafts), VC-JOSE-COSE §3 application/vc+jwt.
 */
const CREDENTIAL_TYPES = ['application/vc', 'application/vc+ld+json', 'application/ld+json', 'application/json'];
const JWT_TYPES = ['application/vc+jwt', 'application/jwt'];

/** The credential wallets and verifiers take: the Data Integrity one (the VC-JWT's twin for older badges). */
function portable(credential: credentials.CredentialDoc): unknown {
  return credential.ob3Signed ?? credential.ob3;
}

function sendJson(res: Response, body: unknown, type = 'application/json'): void {
  res.set('Access-Control-Allow-Origin', '*').type(type).send(JSON.stringify(body, null, 2));
}

async function publicAchievement(req: Request) {
  const tenantId = tenantOf(req);
  const achievement = await credentials.getAchievement(tenantId, idParam(req, 'achievementId'));
  return { tenantId, achievement, competencies: await credentials.competenciesOf(tenantId, achievement.competencies) };
}

/** Stable public URLs: issuer profile, keys, revocation lists, achievements, credentials (OB 3.0 and 2.0). */
export function publicCredentialsRouter(): Router {
  const router = Router();
  const base = '/ob/:tenantId';
  publicSharingRoutes(router, base);

  // The issuer's id: its profile for machines, and for people a showcase of the badges it awards.
  router.get(`${base}/issuer`, handle(async (req, res) => {
    const tenantId = tenantOf(req);
    const issuer = await credentials.issuerProfile(tenantId);
    if (req.accepts(['application/ld+json', 'application/json', 'html']) !== 'html') return sendJson(res, ob3IssuerDocument(issuer), 'application/ld+json');
    const [achievements, counts] = await Promise.all([credentials.listAchievements(tenantId), credentials.issuedCounts(tenantId, { valid: true })]);
    const title = `Badges from ${issuer.name}`;
    const og = { title, description: `Open Badges ${issuer.name} awards for professional learning.`, url: obUrls(tenantId).issuer, image: achievements[0] ? obUrls(tenantId).imagePng(achievements[0]._id) : undefined };
    res.render('credentials/showcase', { title, og, issuer, badges: achievements.map((a) => showcaseCard(a, issuer, counts.get(String(a._id)) ?? 0)) });
  }));
  router.get(`${base}/jwks`, handle(async (req, res) => sendJson(res, publicJwks(await credentials.publishedKeys(tenantOf(req))), 'application/jwk-set+json')));
  router.get(`${base}/keys/:keyId`, handle(async (req, res) => sendJson(res, (await credentials.publishedKey(tenantOf(req), idParam(req, 'keyId'))).publicJwk, 'application/jwk+json')));
  // did:web resolution (DID Web method §3.2.1) and the status list its credentials point at.
  router.get(`${base}/did.json`, handle(async (req, res) => sendJson(res, await credentials.didDocument(tenantOf(req)), 'application/did+ld+json')));
  router.get(`${base}/status/1`, handle(async (req, res) => {
    res.set('Cache-Control', 'no-cache');
    sendJson(res, await credentials.statusListCredential(tenantOf(req)), 'application/vc');
  }));
  router.get(`${base}/revocations`, handle(async (req, res) => {
    const tenantId = tenantOf(req);
    sendJson(res, ob3RevocationList(tenantId, await credentials.revokedCredentials(tenantId)));
  }));

  router.get(`${base}/achievements/:achievementId`, handle(async (req, res) => {
    const { achievement, competencies } = await publicAchievement(req);
    sendJson(res, { '@context': ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'], ...ob3Achievement(achievement, competencies) });
  }));
  router.get(`${base}/achievements/:achievementId/criteria`, handle(async (req, res) => {
    const { tenantId, achievement, competencies } = await publicAchievement(req);
    res.render('credentials/criteria', { title: achievement.name, achievement: achievementRow(achievement, 0, new Map(competencies.map((c) => [c.code, c.name]))), criteria: achievement.criteria, competencies, issuer: await credentials.issuerProfile(tenantId), showcaseUrl: obUrls(tenantId).issuer });
  }));
  router.get(`${base}/achievements/:achievementId/image`, handle(async (req, res) => {
    const { achievement } = await publicAchievement(req);
    // SVGs are served from our origin: no scripts, no plugins, no sniffing, even if opened directly.
    res.set({ 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox", 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=300' });
    const uploaded = credentials.uploadedImage(achievement);
    if (uploaded) res.type(uploaded.contentType).send(uploaded.data);
    else res.type('image/svg+xml').send(defaultBadgeSvg(achievement));
  }));
  // The same image as a PNG: link previews (og:image) and backpacks that take no SVG.
  router.get(`${base}/achievements/:achievementId/image.png`, handle(async (req, res) => {
    const { achievement } = await publicAchievement(req);
    const uploaded = credentials.uploadedImage(achievement);
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=300' }).type('image/png');
    if (uploaded?.contentType === 'image/png') return void res.send(uploaded.data);
    res.send(badgePng(uploaded ? uploaded.data : defaultBadgeSvg(achievement)));
  }));

  router.get(`${base}/credentials/:publicId`, handle(async (req, res) => {
    const tenantId = tenantOf(req);
    const credential = await credentials.publicCredential(tenantId, idParam(req, 'publicId'));
    const wanted = req.accepts(['html', ...CREDENTIAL_TYPES, ...JWT_TYPES]);
    if (wanted && JWT_TYPES.includes(wanted)) return void res.set('Access-Control-Allow-Origin', '*').type(wanted).send(credential.ob3Jwt);
    if (wanted && CREDENTIAL_TYPES.includes(wanted)) return sendJson(res, portable(credential), wanted);
    const [achievement, issuer, check, integrity] = await Promise.all([
      credentials.getAchievement(tenantId, credential.achievementId),
      credentials.issuerProfile(tenantId),
      credentials.checkSignature(credential),
      credentials.checkIntegrity(credential),
    ]);
    const competencies = await credentials.competenciesOf(tenantId, achievement.competencies);
    res.render('credentials/verify', verifyPage(credential, achievement, issuer, { check, integrity }, competencies));
  }));
  router.get(`${base}/credentials/:publicId/credential.json`, handle(async (req, res) => {
    const credential = await credentials.publicCredential(tenantOf(req), idParam(req, 'publicId'));
    res.attachment('badge-credential.json');
    sendJson(res, portable(credential));
  }));
  router.get(`${base}/credentials/:publicId/credential.jwt`, handle(async (req, res) => {
    const credential = await credentials.publicCredential(tenantOf(req), idParam(req, 'publicId'));
    res.attachment('badge-credential.jwt').set('Access-Control-Allow-Origin', '*').type('application/jwt').send(credential.ob3Jwt);
  }));

  router.get(`${base}/v2/issuer`, handle(async (req, res) => sendJson(res, ob2Issuer(await credentials.issuerProfile(tenantOf(req))), 'application/ld+json')));
  router.get(`${base}/v2/badges/:achievementId`, handle(async (req, res) => {
    const { achievement, competencies } = await publicAchievement(req);
    sendJson(res, ob2BadgeClass(achievement, competencies), 'application/ld+json');
  }));
  router.get(`${base}/v2/assertions/:publicId`, handle(async (req, res) => {
    const credential = await credentials.publicCredential(tenantOf(req), idParam(req, 'publicId'));
    // OB 2.0: a revoked hosted assertion answers 410 Gone.
    if (credential.revokedAt) res.status(410);
    sendJson(res, ob2Assertion(credential), 'application/ld+json');
  }));
  router.get(`${base}/v2/revocations`, handle(async (req, res) => {
    const tenantId = tenantOf(req);
    sendJson(res, ob2RevocationList(tenantId, await credentials.revokedCredentials(tenantId)), 'application/ld+json');
  }));
  return router;
}
