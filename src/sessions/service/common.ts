import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import { PdSession, PdSessionDoc } from '../model';

export async function getSession(tenantId: TenantId, id: Types.ObjectId | string): Promise<PdSessionDoc> {
  const doc = Types.ObjectId.isValid(id) ? await PdSession.findOne(scoped(tenantId, { _id: id })).lean<PdSessionDoc>() : null;
  if (!doc) throw new NotFound('That session');
  return doc;
}

