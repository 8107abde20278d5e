import { FilterQuery, PipelineStage, Schema, Types } from 'mongoose';

export type TenantId = Types.ObjectId;

/** The one helper every tenant query goes through: adds the tenant filter. */
export function scoped<T>(tenantId: TenantId, filter: FilterQuery<T> = {}): FilterQuery<T> {
  return { ...filter, tenantId } as FilterQuery<T>;
}

/** Work for many tenants' things (a batch of event payloads) by tenant, each in the order given, so every query stays scoped to one. */
export function byTenant<P extends { tenantId: TenantId }>(items: P[]): [TenantId, P[]][] {
  const groups = new Map<string, [TenantId, P[]]>();
  for (const item of items) {
    const group = groups.get(String(item.tenantId)) ?? [item.tenantId, []];
    group[1].push(item);
    groups.set(String(item.tenantId), group);
  }
  return [...groups.values()];
}

/** A pipeline whose first stage restricts to the tenant. */
export function scopedPipeline(tenantId: TenantId, match: Record<string, unknown>, rest: PipelineStage[]): PipelineStage[] {
  return [{ $match: { ...match, tenantId } }, ...rest];
}

const GUARDED = [
  'find', 'findOne', 'countDocuments', 'distinct',
  'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany',
  'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace',
] as const;

export class UnscopedQueryError extends Error {
  constructor(model: string, op: string) {
    super(`${op} on ${model} without a tenantId filter: use scoped()`);
  }
}

/** Schema plugin: a required, indexed tenantId, and queries without a tenant filter throw. */
export function tenantScoped(schema: Schema): void {
  schema.add({ tenantId: { type: Schema.Types.ObjectId, required: true, index: true } });
  for (const op of GUARDED) {
    schema.pre(op, function guard() {
      const filter = this.getFilter() as Record<string, unknown>;
      if (!filter.tenantId) throw new UnscopedQueryError(this.model.modelName, op);
    });
  }
  schema.pre('aggregate', function guard() {
    const first = this.pipeline()[0] as { $match?: Record<string, unknown> } | undefined;
    if (!first?.$match?.tenantId) throw new UnscopedQueryError(this.model()?.modelName ?? 'model', 'aggregate');
  });
}

/** A lean document of a tenant-scoped collection (the plugin's tenantId is not in InferSchemaType). */
export type Scoped<T> = T & { _id: Types.ObjectId; tenantId: TenantId };
