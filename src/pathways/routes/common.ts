import { z } from 'zod';
import * as pathways from '../service';
import type { Actor } from '../../web/context';
import { Forbidden } from '../../web/errors';
import { objectId } from '../../web/validation';
import { canCreatePathway, canManagePathway } from '../policy';

export const Params = z.object({ id: objectId });
export const STAFF_ONLY = 'Only PD staff can manage pathways.';

export function requireStaff(actor: Actor): void {
  if (!canCreatePathway(actor)) throw new Forbidden(STAFF_ONLY);
}

export async function managedPathway(actor: Actor, id: string): Promise<pathways.PathwayDoc> {
  const p = await pathways.getPathway(actor.tenantId, id);
  if (!canManagePathway(actor, p)) throw new Forbidden(STAFF_ONLY);
  return p;
}

