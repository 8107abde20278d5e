import { z } from 'zod';
import * as pathways from '../service';
import type { Actor } from '../../kernel/actor';
import { Forbidden } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
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

