import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import type { SimCore } from './core';
import { escapeHtml, sendErrorPage, sendPage } from './html';
import { verifyWithRemoteJwks } from './keys';
import type { SimResourceLink } from './types';
import { Claim, LTI_VERSION } from './vocab';

const contentItem = z.object({
  type: z.string(),
  title: z.string().optional(),
  url: z.string().optional(),
  custom: z.record(z.string(), z.string()).optional(),
  lineItem: z
    .object({
      scoreMaximum: z.number().positive(),
      label: z.string().optional(),
      resourceId: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
});

type ContentItem = z.infer<typeof contentItem>;

export function deepLinkingRouter(core: SimCore): Router {
  const router = express.Router();
  router.post(core.profile.paths.deepLinkReturn, express.urlencoded({ extended: false }), (req, res, next) =>
    receive(core, req, res).catch(next),
  );
  return router;
}

/** Receives the tool's LtiDeepLinkingResponse, as the platform's return URL does. */
async function receive(core: SimCore, req: Request, res: Response): Promise<void> {
  const jwt: unknown = req.body?.JWT;
  if (typeof jwt !== 'string' || !jwt) return sendErrorPage(res, 400, 'The JWT form field is missing');
  let payload: JWTPayload;
  try {
    payload = (await verifyWithRemoteJwks(jwt, core.tool.jwksUrl)).payload;
  } catch (err) {
    return sendErrorPage(res, 400, `The deep linking response could not be verified: ${(err as Error).message}`);
  }
  const problem = responseProblem(core, payload);
  if (problem) return sendErrorPage(res, 400, problem);
  const items = z.array(contentItem).safeParse(payload[Claim.contentItems] ?? []);
  if (!items.success) return sendErrorPage(res, 400, `Invalid content_items: ${items.error.issues[0]?.message}`);

  const courseId = courseOf(core, req);
  const links = items.data.filter((item) => item.type === 'ltiResourceLink').map((item) => addLink(core, courseId, item));
  core.deepLinkResponses.push({ jwt, payload: { ...payload }, courseId, resourceLinks: links });
  const list = links.map((link) => `<li>${escapeHtml(link.title)}</li>`).join('');
  sendPage(res, 200, 'Content added', `<h1>Content added</h1><ul id="content-items">${list}</ul>`);
}

function responseProblem(core: SimCore, payload: JWTPayload): string | undefined {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.iss !== core.clientId) return 'iss must be the client_id';
  if (!audiences.includes(core.issuer)) return 'aud must be the platform issuer';
  if (payload[Claim.messageType] !== 'LtiDeepLinkingResponse') return 'message_type must be LtiDeepLinkingResponse';
  if (payload[Claim.version] !== LTI_VERSION) return `version must be ${LTI_VERSION}`;
  if (payload[Claim.deploymentId] !== core.deploymentId) return 'deployment_id does not match';
  if (typeof payload.nonce !== 'string' || !payload.nonce) return 'nonce is missing';
  if (core.profile.deepLinkData) {
    const data = payload[Claim.deepLinkData];
    if (typeof data !== 'string' || !core.deepLinkData.delete(data)) return 'data must echo the deep linking request';
  }
  return undefined;
}

/** Canvas names the course in the path, Moodle in `?course=`. */
function courseOf(core: SimCore, req: Request): string | undefined {
  const id = req.params.courseId ?? req.query.course;
  return typeof id === 'string' && core.directory.findCourse(id) ? id : undefined;
}

function addLink(core: SimCore, courseId: string | undefined, item: ContentItem): SimResourceLink {
  const link: SimResourceLink = {
    id: randomUUID(),
    courseId,
    title: item.title ?? 'Untitled',
    url: item.url,
    custom: item.custom,
  };
  if (item.lineItem && courseId && core.acceptLineItems) {
    const { scoreMaximum, label, resourceId, tag } = item.lineItem;
    link.pendingLineItem = { label: label ?? link.title, scoreMaximum, resourceId, tag };
    if (core.profile.declaredLineItems === 'on-placement') createDeclaredLineItem(core, link);
  }
  core.resourceLinks.set(link.id, link);
  return link;
}

/** The platform turns a link's declared line item into a gradebook column (once). */
export function createDeclaredLineItem(core: SimCore, link: SimResourceLink): void {
  if (link.lineItemId || !link.pendingLineItem || !link.courseId) return;
  link.lineItemId = core.ags.create(link.courseId, { ...link.pendingLineItem, resourceLinkId: link.id }).id;
  delete link.pendingLineItem;
}
