import * as audit from '../audit/service';
import { scoped, TenantId } from '../db/tenancy';
import * as outbox from '../outbox/service';
import * as tenants from '../tenants/service';
import { Placement, PlacementDoc } from './model';
import { isDuplicateKey } from '../db/writeErrors';

/** Custom parameter naming the placement a link opens (its resourceId), set by deep linking, read at launch. */
export const PLACEMENT_PARAM = 'pdp_placement';

/** What a resource-link launch says about the placed link it came from. */
export interface PlacedLinkLaunch {
  contextId: string;
  deploymentId: string;
  resourceLinkId: string;
  /** The `pdp_placement` custom parameter; links placed before it existed carry only their target. */
  placement?: string;
  target?: string;
  /** Earlier ids of the link and of the course (course copy), most recent first. */
  history: { resourceLinks: string[]; contexts: string[] };
}

/** The one placement among `candidates` the link opens: named by pdp_placement, else the only one with its target. */
function opened(candidates: PlacementDoc[], l: PlacedLinkLaunch): PlacementDoc | undefined {
  if (l.placement) return candidates.find((p) => p.resourceId === l.placement);
  const byTarget = candidates.filter((p) => p.target === l.target);
  return byTarget.length === 1 ? byTarget[0] : undefined;
}

/** The placement in the launch's own course: known by this resource link, or the one the link opens. */
async function placementHere(tenantId: TenantId, l: PlacedLinkLaunch): Promise<PlacementDoc | undefined> {
  const here = await Placement.find(scoped(tenantId, { contextId: l.contextId })).lean<PlacementDoc[]>();
  return here.find((p) => p.resourceLinkIds.includes(l.resourceLinkId)) ?? opened(here, l);
}

/**
 * The placement the link was copied from, in this tenant only: the link's own history first (a link PD Pathways saw
 * launched), then the course's history (Canvas and Moodle send only this), the most recent copy winning.
 */
async function origin(tenantId: TenantId, l: PlacedLinkLaunch): Promise<PlacementDoc | undefined> {
  const { resourceLinks, contexts } = l.history;
  if (resourceLinks.length) {
    const known = await Placement.find(scoped(tenantId, { resourceLinkIds: { $in: resourceLinks } })).lean<PlacementDoc[]>();
    for (const id of resourceLinks) {
      const found = known.find((p) => p.resourceLinkIds.includes(id));
      if (found) return found;
    }
  }
  if (!contexts.length) return undefined;
  const earlier = await Placement.find(scoped(tenantId, { contextId: { $in: contexts } })).lean<PlacementDoc[]>();
  for (const contextId of contexts) {
    const found = opened(earlier.filter((p) => p.contextId === contextId), l);
    if (found) return found;
  }
  return undefined;
}

/** A history naming a course of another deployment of the district's platform is not trusted. */
async function sameDeployment(tenantId: TenantId, p: PlacementDoc, deploymentId: string): Promise<boolean> {
  return (await tenants.findContext(tenantId, p.contextId))?.deploymentId === deploymentId;
}

/** The copied course gets its own placement: same target and column mapping, its own column (found in its gradebook). */
async function copyInto(tenantId: TenantId, from: PlacementDoc, l: PlacedLinkLaunch): Promise<PlacementDoc> {
  const filter = scoped(tenantId, { contextId: l.contextId, resourceId: from.resourceId });
  try {
    const copy = await Placement.create({
      tenantId,
      contextId: l.contextId,
      resourceId: from.resourceId,
      kind: from.kind,
      ref: from.ref,
      title: from.title,
      target: from.target,
      tag: from.tag,
      ...(from.lineItem?.label ? { lineItem: from.lineItem, columnBy: from.columnBy } : {}),
      resourceLinkIds: [l.resourceLinkId],
      copiedFrom: { placementId: from._id, contextId: from.contextId },
      placedBy: from.placedBy,
      placedByName: from.placedByName,
    });
    await audit.record(tenantId, { system: 'course copy', action: 'placement.copied', subject: { kind: 'placement', id: copy._id }, after: { contextId: l.contextId, fromContextId: from.contextId, title: from.title, graded: !!from.lineItem?.label } });
    if (from.lineItem?.label) await outbox.enqueue(tenantId, { kind: 'ags-lineitem', key: `lineitem:${copy._id}`, payload: { placementId: String(copy._id) }, label: `Gradebook column “${from.lineItem.label}” (copied course)` });
    return copy.toObject<PlacementDoc>();
  } catch (err) {
    // Two launches of the copied link at once: the other one made the copy.
    if (!isDuplicateKey(err)) throw err;
    return (await Placement.findOne(filter).lean<PlacementDoc>())!;
  }
}

async function learnLink(tenantId: TenantId, p: PlacementDoc, resourceLinkId: string): Promise<void> {
  if (!p.resourceLinkIds.includes(resourceLinkId)) await Placement.updateOne(scoped(tenantId, { _id: p._id }), { $addToSet: { resourceLinkIds: resourceLinkId } });
}

/**
 * At each launch of a placed link: the course's placement learns the resource link id; a link the course does not
 * know whose history names a placement of the same tenant and deployment is a course copy, and the placement is
 * copied into the new course. Anything else (a forged or foreign history) changes nothing.
 */
export async function recognisePlacedLink(tenantId: TenantId, l: PlacedLinkLaunch): Promise<PlacementDoc | undefined> {
  if (!l.placement && !l.target && !l.history.resourceLinks.length) return undefined;
  const here = await placementHere(tenantId, l);
  if (here) {
    await learnLink(tenantId, here, l.resourceLinkId);
    return here;
  }
  const from = await origin(tenantId, l);
  if (!from || from.contextId === l.contextId || !(await sameDeployment(tenantId, from, l.deploymentId))) return undefined;
  return copyInto(tenantId, from, l);
}
