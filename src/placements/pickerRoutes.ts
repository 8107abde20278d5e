import type { IdToken } from 'ltijs';
import { Response, Router } from 'express';
import { z } from 'zod';
import { config } from '../config';
import { Actor } from '../kernel/actor';
import { Forbidden, Invalid } from '../kernel/errors';
import { formList } from '../kernel/validation';
import { LtiResourceLinkItem, signDeepLinkingResponse } from '../lti/deepLinking/response';
import { DeepLinkingSettings, deepLinkingSettings } from '../lti/deepLinking/settings';
import { HISTORY_CUSTOM } from '../lti/message/claims';
import { isInstructorRole } from '../lti/message/roles';
import { actorOf, requireCsrf } from '../web/request';
import { handle } from '../web/route';
import { canPlaceLinks } from './policy';
import * as placements from './service';

/** Something an instructor can place in a course: a link that opens a page of PD Pathways. */
export interface PlacementOption {
  id: string;
  group: string;
  title: string;
  text?: string;
  /** Page path the placed link opens, e.g. /dashboard or /pathways/<id>. */
  target: string;
  /** What grade-back posts to its column: plan, pathway or goal progress, or a badge. */
  kind: placements.PlacementKind;
  /** The pathway id, competency code or achievement id it is about. */
  ref?: string;
  /** When set, the placement can also create a gradebook column. */
  lineItem?: { label: string; scoreMaximum: number; resourceId: string; tag: string };
}

export type PlacementSource = (actor: Actor) => Promise<PlacementOption[]>;
const sources: PlacementSource[] = [
  async () => [
    {
      id: 'dashboard',
      group: 'Pages',
      title: 'My PD plan',
      text: 'Each teacher’s own plan, goals and progress.',
      target: '/dashboard',
      kind: 'plan',
      lineItem: { label: 'PD plan progress', scoreMaximum: 100, resourceId: 'pdp-plan', tag: 'pd-plan' },
    },
  ],
];

/** Features offer their own placements (pathways, goals, badge walls) here. */
export function addPlacementSource(source: PlacementSource): void {
  sources.push(source);
}

async function placementOptions(actor: Actor): Promise<PlacementOption[]> {
  return (await Promise.all(sources.map((s) => s(actor)))).flat();
}

function requirePicker(res: Response): DeepLinkingSettings {
  const token = res.locals.token as IdToken;
  const s = deepLinkingSettings(token);
  if (!s) throw new Invalid('Placements can only be chosen from a deep-linking launch (“Add external tool” in your course).');
  if (!canPlaceLinks(actorOf(res), isInstructorRole(token.platformContext.roles ?? []))) throw new Forbidden('Only instructors and PD staff can place PD Pathways links in a course.');
  if (!s.acceptTypes.includes('ltiResourceLink')) throw new Invalid('Your LMS did not ask for links, which is all PD Pathways can place.');
  return s;
}

const Selection = z.object({ items: formList(z.string()), gradebook: formList(z.string()) });

/** The placement's key in its course; a copied course's placement keeps it, so the copied column is found by it. */
function resourceIdOf(option: PlacementOption): string {
  return option.lineItem?.resourceId ?? `pdp-${option.id}`;
}

/** The link names its placement and asks for the history variables, so a course copy can be recognised. */
function contentItem(option: PlacementOption, withLineItem: boolean): LtiResourceLinkItem {
  return {
    type: 'ltiResourceLink',
    title: option.title,
    text: option.text,
    url: `${config().publicUrl}/`,
    custom: { [placements.TARGET_PARAM]: option.target, [placements.PLACEMENT_PARAM]: resourceIdOf(option), ...HISTORY_CUSTOM },
    ...(withLineItem && option.lineItem ? { lineItem: option.lineItem } : {}),
  };
}

/** Grade-back posts to the links placed in a course; account-level placements have no course to post to. */
async function recordPlacements(actor: Actor, chosen: PlacementOption[], graded: string[], platformTakesLineItems: boolean): Promise<void> {
  if (!actor.context) return;
  const links = chosen.map((o) => ({
    kind: o.kind,
    ref: o.ref,
    title: o.title,
    target: o.target,
    resourceId: resourceIdOf(o),
    tag: o.lineItem?.tag ?? `pd-${o.kind}`,
    ...(o.lineItem && graded.includes(o.id) ? { lineItem: { label: o.lineItem.label, scoreMaximum: o.lineItem.scoreMaximum }, columnBy: platformTakesLineItems ? ('platform' as const) : ('tool' as const) } : {}),
  }));
  await placements.recordPlacements(actor.tenantId, actor.context.id, links, { userId: actor.userId, name: actor.name });
}

/** What the LMS shows after the picker; Moodle makes the gradebook column only when the activity form is saved. */
function returnMessage(actor: Actor, count: number, columnsDeclared: boolean): string {
  const added = `Added ${count} PD Pathways link${count === 1 ? '' : 's'}.`;
  return columnsDeclared && actor.platform.family === 'moodle' ? `${added} Save the activity to create its gradebook column; until then no scores can be sent.` : added;
}

export function placementsRouter(): Router {
  const router = Router();
  router.get('/placements', handle(async (_req, res) => {
    const s = requirePicker(res);
    const options = await placementOptions(actorOf(res));
    res.render('placements/picker', { options, acceptMultiple: s.acceptMultiple, acceptLineItem: s.acceptLineItem, errors: {} });
  }));
  router.post('/placements', requireCsrf, handle(async (req, res) => {
    const s = requirePicker(res);
    const options = await placementOptions(actorOf(res));
    const parsed = Selection.safeParse(req.body);
    const chosen = parsed.success ? options.filter((o) => parsed.data.items.includes(o.id)) : [];
    if (chosen.length === 0 || (!s.acceptMultiple && chosen.length > 1)) {
      res.status(400).render('placements/picker', { options, acceptMultiple: s.acceptMultiple, acceptLineItem: s.acceptLineItem, errors: { items: s.acceptMultiple ? 'Choose at least one item to add.' : 'Choose one item to add.' } });
      return;
    }
    const graded = parsed.success ? parsed.data.gradebook : [];
    // A platform that takes line items creates the column itself (never us too); one that does not gets it from us.
    const items = chosen.map((o) => contentItem(o, s.acceptLineItem && graded.includes(o.id)));
    await recordPlacements(actorOf(res), chosen, graded, s.acceptLineItem);
    const jwt = await signDeepLinkingResponse(res.locals.token as IdToken, items, returnMessage(actorOf(res), chosen.length, s.acceptLineItem && graded.length > 0));
    res.render('lti/deep-link-return', { returnUrl: s.returnUrl, jwt, count: chosen.length });
  }));
  return router;
}
