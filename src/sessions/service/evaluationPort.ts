import { Types } from 'mongoose';
import type { TenantId } from '../../db/tenancy';

/** One person's attendance of one session, as the evaluation port is asked about it. */
export interface Attendee {
  sessionId: Types.ObjectId;
  activityId: Types.ObjectId;
  userId: Types.ObjectId;
}

/**
 * What sessions ask of evaluations, which import sessions (so sessions cannot import them): whether an
 * attendance waits for the person's evaluation before it is credited, and what a session page links to.
 * Without the evaluations feature registered nothing waits and nothing is asked.
 */
export interface EvaluationPort {
  holdsCredit(tenantId: TenantId, who: Attendee): Promise<boolean>;
  askedOf(tenantId: TenantId, who: Attendee): Promise<{ path: string; submitted: boolean; required: boolean } | undefined>;
}

let port: EvaluationPort = { holdsCredit: async () => false, askedOf: async () => undefined };

/** Called once by the evaluations feature's registration. */
export function useEvaluations(p: EvaluationPort): void {
  port = p;
}

export function evaluationPort(): EvaluationPort {
  return port;
}
