import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { lineItemBody, scoreBody } from './agsData';
import type { SimCore } from './core';
import { paginate, sendPage, serviceError, serviceGuards } from './services';
import type { LineItem, SimCourse } from './types';
import { lineItemSubresource } from './urls';
import { MediaType, Scope } from './vocab';

export function agsRouter(core: SimCore): Router {
  const router = express.Router();
  const { lineItems, lineItem } = core.profile.paths;
  const json = express.json({ type: ['application/json', 'application/*+json'] });
  const read = serviceGuards(core, [Scope.lineItem, Scope.lineItemReadonly]);
  const write = serviceGuards(core, [Scope.lineItem]);

  router.get(lineItems, read, withCourse(core, (req, res, course) => listLineItems(core, req, res, course)));
  router.post(lineItems, write, json, withCourse(core, (req, res, course) => createLineItem(core, req, res, course)));
  router.get(lineItem, read, withLineItem(core, (_req, res, item) => sendLineItem(res, 200, item)));
  router.put(lineItem, write, json, withLineItem(core, (req, res, item) => updateLineItem(core, req, res, item)));
  router.delete(
    lineItem,
    write,
    withLineItem(core, (_req, res, item) => {
      core.ags.remove(item);
      res.status(204).end();
    }),
  );
  router.post(
    `${lineItem}/scores`,
    serviceGuards(core, [Scope.score]),
    json,
    withLineItem(core, (req, res, item) => postScore(core, req, res, item)),
  );
  router.get(
    `${lineItem}/results`,
    serviceGuards(core, [Scope.resultReadonly]),
    withLineItem(core, (req, res, item) => listResults(core, req, res, item)),
  );
  return router;
}

type CourseHandler = (req: Request, res: Response, course: SimCourse) => void;
type LineItemHandler = (req: Request, res: Response, item: LineItem) => void;

function withCourse(core: SimCore, handler: CourseHandler): express.RequestHandler {
  return (req, res) => {
    const course = core.directory.findCourse(String(req.params.courseId));
    if (!course) serviceError(res, 404, 'Course not found');
    else handler(req, res, course);
  };
}

function withLineItem(core: SimCore, handler: LineItemHandler): express.RequestHandler {
  return (req, res) => {
    const item = core.ags.find(String(req.params.courseId), String(req.params.itemId));
    if (!item) serviceError(res, 404, 'Line item not found');
    else handler(req, res, item);
  };
}

function listLineItems(core: SimCore, req: Request, res: Response, course: SimCourse): void {
  const { resource_id: resourceId, tag, resource_link_id: resourceLinkId } = req.query;
  const matches = core.ags
    .list(course.id)
    .filter(
      (item) =>
        (resourceId === undefined || item.resourceId === resourceId) &&
        (tag === undefined || item.tag === tag) &&
        (resourceLinkId === undefined || item.resourceLinkId === resourceLinkId),
    );
  const page = paginate(core, req, matches, core.lineItemPageSize);
  sendPage(res, page, MediaType.lineItemContainer, page.items.map(presentLineItem));
}

function createLineItem(core: SimCore, req: Request, res: Response, course: SimCourse): void {
  const parsed = lineItemBody.safeParse(req.body);
  if (!parsed.success) return serviceError(res, 400, describe(parsed.error));
  sendLineItem(res, 201, core.ags.create(course.id, parsed.data));
}

function updateLineItem(core: SimCore, req: Request, res: Response, item: LineItem): void {
  const parsed = lineItemBody.safeParse(req.body);
  if (!parsed.success) return serviceError(res, 400, describe(parsed.error));
  sendLineItem(res, 200, core.ags.update(item, parsed.data));
}

function postScore(core: SimCore, req: Request, res: Response, item: LineItem): void {
  const { profile } = core;
  const parsed = scoreBody.safeParse(req.body);
  if (!parsed.success) return serviceError(res, 400, describe(parsed.error));
  const body = parsed.data;
  if (body.scoreGiven !== undefined && body.scoreMaximum === undefined) {
    return serviceError(res, profile.flavor === 'canvas' ? 422 : 400, 'scoreMaximum is required with scoreGiven');
  }
  if (body.scoreGiven !== undefined && body.scoreGiven > (body.scoreMaximum ?? 0)) {
    return serviceError(res, 400, 'scoreGiven exceeds scoreMaximum');
  }
  const course = core.directory.course(item.courseId);
  const user = core.directory.resolveUser(body.userId, profile.acceptsLmsUserId);
  if (!user || !core.directory.isStudent(course, user.sub)) {
    return serviceError(res, profile.notGradableStatus, 'User not found in course or is not a student');
  }
  const previous = core.ags.latestScore(item.id, user.sub);
  if (previous && isStale(core, body.timestamp, previous.timestamp)) {
    return serviceError(res, profile.staleScore.status, `timestamp ${body.timestamp} is not after ${previous.timestamp}`);
  }
  core.ags.addScore({ ...body, userId: user.sub, lineItemId: item.id, receivedAt: new Date() });
  if (profile.scoreResponse === 'empty') {
    res.status(200).end();
    return;
  }
  const resultUrl = lineItemSubresource(item.id, 'results', user.sub);
  res.status(200).type(MediaType.score).send(JSON.stringify({ resultUrl }));
}

/** Compares at the flavor's clock resolution; Moodle also refuses an equal second. */
function isStale(core: SimCore, timestamp: string, previous: string): boolean {
  const { resolutionMs, refuseEqual } = core.profile.staleScore;
  const next = Math.floor(Date.parse(timestamp) / resolutionMs);
  const last = Math.floor(Date.parse(previous) / resolutionMs);
  return refuseEqual ? next <= last : next < last;
}

function listResults(core: SimCore, req: Request, res: Response, item: LineItem): void {
  const userId = typeof req.query.user_id === 'string' ? req.query.user_id : undefined;
  const scores = core.ags.latestScores(item.id).filter((s) => userId === undefined || s.userId === userId);
  const page = paginate(core, req, scores, core.lineItemPageSize);
  const results = page.items.map((score) => ({
    id: lineItemSubresource(item.id, 'results', score.userId),
    scoreOf: item.id,
    userId: score.userId,
    ...(score.scoreGiven !== undefined &&
      core.profile.gradedProgress.includes(score.gradingProgress) && {
        resultScore: score.scoreGiven,
        resultMaximum: score.scoreMaximum,
      }),
    ...(score.comment !== undefined && { comment: score.comment }),
  }));
  sendPage(res, page, MediaType.resultContainer, results);
}

function sendLineItem(res: Response, status: number, item: LineItem): void {
  res.status(status).type(MediaType.lineItem).send(JSON.stringify(presentLineItem(item)));
}

function presentLineItem({ courseId: _courseId, ...item }: LineItem): Omit<LineItem, 'courseId'> {
  return item;
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}
