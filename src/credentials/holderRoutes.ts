import express, { Request, Response, Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import { Actor } from '../kernel/actor';
import { Forbidden, Invalid, NotFound } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import { actorOf, requireCsrf } from '../web/request';
import { handle } from '../web/route';
import { canChooseBadgeSharing, canDownloadBadge, canViewBadgeWall } from './policy';
import { badgeCard, obUrls } from './presenter';
import * as credentials from './service';
import { downloadName, qrPng, walletDeepLink } from './sharing';
import { config } from '../config';

// The holder's side of a badge: the wall, the choice to show their name, the download; and the public
// ends of sharing (QR codes, the wallet's credential request).

const Params = z.object({ id: objectId });
/** Confirmations shown after a redirect; anything else in the query is ignored. */
const WallDone = z.object({ done: z.enum(['name-shared', 'name-private']).optional().catch(undefined), badge: objectId.optional().catch(undefined) });

/** Every badge the actor holds, as cards. */
export async function badgeCards(actor: Actor) {
  const [mine, achievements, issuer] = await Promise.all([
    credentials.credentialsOf(actor.tenantId, actor.userId),
    credentials.listAchievements(actor.tenantId, { includeArchived: true }),
    credentials.issuerProfile(actor.tenantId),
  ]);
  const byId = new Map(achievements.map((a) => [String(a._id), a]));
  return mine.map((c) => badgeCard(c, byId.get(String(c.achievementId)), issuer));
}

/** A badge of the actor's, named in the URL; someone else's is simply not found (its existence is not theirs to learn). */
async function ownBadge(req: Request, actor: Actor, allowed: (a: Actor, c: credentials.CredentialDoc) => boolean) {
  const credential = await credentials.getCredential(actor.tenantId, Params.parse(req.params).id);
  if (!allowed(actor, credential)) throw new NotFound('That badge');
  return credential;
}

export function holderRoutes(router: Router): void {
  router.get('/badges', handle(async (req, res) => {
    const actor = actorOf(res);
    if (!canViewBadgeWall(actor, { tenantId: actor.tenantId, userId: actor.userId })) throw new Forbidden();
    const { done, badge } = WallDone.parse(req.query);
    res.render('credentials/wall', { title: 'My badges', badges: await badgeCards(actor), done, open: badge });
  }));

  router.post('/badges/:id/sharing', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const credential = await ownBadge(req, actor, canChooseBadgeSharing);
    const shared = await credentials.setNameShared(actor.tenantId, credential._id, req.body);
    res.redirect(303, res.locals.link(`/badges#badge-${credential._id}`, { done: shared ? 'name-shared' : 'name-private', badge: String(credential._id) }));
  }));

  // The holder's copy of the signed credential as a file: the Data Integrity one wallets import.
  router.get('/badges/:id/credential.json', handle(async (req, res) => {
    const actor = actorOf(res);
    const credential = await ownBadge(req, actor, canDownloadBadge);
    const achievement = await credentials.getAchievement(actor.tenantId, credential.achievementId);
    res.attachment(downloadName(achievement.name, '.json'));
    // VC Data Model 2.0 §6.3 registers application/vc for a credential secured by an embedded proof.
    res.set('Cache-Control', 'private, no-store').type('application/vc').send(JSON.stringify(credential.ob3Signed ?? credential.ob3, null, 2));
  }));
}

const TenantParams = z.object({ tenantId: objectId, publicId: z.string().regex(/^[\w-]{1,64}$/) });

/** The credential a public URL names; anything malformed is simply not found. */
async function publicBadge(req: Request) {
  const parsed = TenantParams.safeParse(req.params);
  if (!parsed.success) throw new NotFound('That badge');
  const tenantId = new Types.ObjectId(parsed.data.tenantId);
  return credentials.publicCredential(tenantId, parsed.data.publicId);
}

async function sendQr(res: Response, text: string): Promise<void> {
  res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('image/png').send(await qrPng(text));
}

/**
 * What a wallet posts to the request URL of the offer: a presentation (DID Auth) whose proof carries the
 * offer's challenge, or nothing. The credential is the public one; a presentation for another offer is refused.
 */
const WalletRequest = z
  .object({ proof: z.union([z.object({ challenge: z.string().optional() }).loose(), z.array(z.object({ challenge: z.string().optional() }).loose())]).optional() })
  .loose();

function challengesOf(body: z.infer<typeof WalletRequest>): string[] {
  const proofs = body.proof === undefined ? [] : Array.isArray(body.proof) ? body.proof : [body.proof];
  return proofs.flatMap((p) => (p.challenge === undefined ? [] : [p.challenge]));
}

export function publicSharingRoutes(router: Router, base: string): void {
  router.get(`${base}/credentials/:publicId/qr.png`, handle(async (req, res) => {
    const credential = await publicBadge(req);
    await sendQr(res, obUrls(credential.tenantId).credential(credential.publicId));
  }));

  router.get(`${base}/credentials/:publicId/wallet-qr.png`, handle(async (req, res) => {
    const credential = await publicBadge(req);
    if (credential.revokedAt) throw new NotFound('That badge');
    const u = obUrls(credential.tenantId);
    await sendQr(res, walletDeepLink({ issuer: config().publicUrl, requestUrl: u.exchange(credential.publicId), challenge: credential.publicId }));
  }));

  // Web wallets post JSON across origins: the preflight allows exactly that.
  router.options(`${base}/credentials/:publicId/exchange`, (_req, res) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' }).sendStatus(204);
  });
  const json = express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] });
  router.post(`${base}/credentials/:publicId/exchange`, json, handle(async (req, res) => {
    const credential = await publicBadge(req);
    const body = WalletRequest.safeParse(req.body ?? {});
    if (!body.success) throw new Invalid('Send a verifiable presentation (DID Auth) or an empty body.');
    if (challengesOf(body.data).some((c) => c !== credential.publicId)) throw new Invalid('That presentation answers another offer: its challenge is not this badge’s.');
    res.set('Access-Control-Allow-Origin', '*');
    if (credential.revokedAt) return void res.status(410).type('application/problem+json').send({ title: 'This badge is revoked.', status: 410 });
    res.type('application/json').send(JSON.stringify(credential.ob3Signed ?? credential.ob3));
  }));
}
