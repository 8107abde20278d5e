import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { addJob } from '../jobs/scheduler';
import { Enrolment } from './model';
import { resumeStalledBatches } from './service/running';

// What pathways do on other features' events, and their background job.

/** A deleted person's enrolments go with their plans. */
export async function forgetPersonsEnrolments({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await Enrolment.deleteMany(scoped(tenantId, { userId }));
}

export function registerPathwayReactions(): void {
  on('user.data-deleted', forgetPersonsEnrolments);
  addJob({ name: 'pathways:assignment-batches', everyMs: 30_000, jitter: 0.3, singleton: true, run: async () => void (await resumeStalledBatches()) });
}
