import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type Teacher = { tenantId: Types.ObjectId; _id: Types.ObjectId; coachIds?: Types.ObjectId[] | null };
type AssessmentRecord = { tenantId: Types.ObjectId; userId: Types.ObjectId };

function isSelf(actor: Actor, teacher: Teacher): boolean {
  return actor.userId.equals(teacher._id);
}

/** True when the teacher has this actor among their coaches (PD staff assign coaches on People). */
export function coaches(actor: Actor, teacher: Teacher): boolean {
  return !isSelf(actor, teacher) && (teacher.coachIds ?? []).some((id) => actor.userId.equals(id));
}

/** A teacher takes, and sees recommendations from, only their own needs assessment. */
export function canTakeAssessment(actor: Actor, teacher: Teacher): boolean {
  return sameTenant(actor, teacher) && isSelf(actor, teacher);
}

/** An assessment (ratings and notes) is read by its teacher and by the teacher's coaches. */
export function canReadAssessment(actor: Actor, assessment: AssessmentRecord, teacher: Teacher): boolean {
  return sameTenant(actor, assessment) && teacher._id.equals(assessment.userId) && (isSelf(actor, teacher) || coaches(actor, teacher));
}

/** PD staff read assessment ratings for reports, never the private notes. */
export function canReadAssessmentRatings(actor: Actor, assessment: AssessmentRecord, teacher: Teacher): boolean {
  return sameTenant(actor, assessment) && (canReadAssessment(actor, assessment, teacher) || actor.roles.has('pdStaff'));
}

/** A coach records observations only for teachers in their caseload. */
export function canRecordObservation(actor: Actor, teacher: Teacher): boolean {
  return sameTenant(actor, teacher) && coaches(actor, teacher);
}

/** An observation (ratings and notes) is read by the observed teacher and the teacher's coaches. */
export function canReadObservation(actor: Actor, observation: { tenantId: Types.ObjectId; teacherId: Types.ObjectId }, teacher: Teacher): boolean {
  return sameTenant(actor, observation) && teacher._id.equals(observation.teacherId) && (isSelf(actor, teacher) || coaches(actor, teacher));
}
