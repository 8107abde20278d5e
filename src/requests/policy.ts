import { Types } from 'mongoose';
import { Actor, grantedApproverFor, sameTenant } from '../kernel/actor';
import type { ChainStep } from './rules';

type RequestSubject = { tenantId: Types.ObjectId; userId: Types.ObjectId; status: string; steps: ChainStep[]; stepIndex: number };

/** Everyone launched in a district may request outside PD for themselves. */
export function canRequestOutsidePd(actor: Actor): boolean {
  return !!actor.userId;
}

/** PD staff of the district set the chain and budgets, verify proof, decide reimbursements and export them. */
export function canManageOutsidePd(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** The step waiting on the request is decided by its role (PD staff may act for an approver step), never by the requester. */
export function canDecideStep(actor: Actor, request: RequestSubject): boolean {
  const step = request.steps[request.stepIndex];
  if (!sameTenant(actor, request) || actor.userId.equals(request.userId) || request.status !== 'in-approval' || !step) return false;
  return actor.roles.has('pdStaff') || (step.role === 'approver' && grantedApproverFor(actor, request.userId));
}

/** A request is read by its teacher, PD staff, and the approvers who answer for the teacher. */
export function canReadRequest(actor: Actor, request: RequestSubject): boolean {
  return sameTenant(actor, request) && (actor.userId.equals(request.userId) || actor.roles.has('pdStaff') || grantedApproverFor(actor, request.userId));
}

/** The teacher changes and sends again a request returned to them. */
export function canResubmit(actor: Actor, request: RequestSubject): boolean {
  return sameTenant(actor, request) && actor.userId.equals(request.userId) && request.status === 'returned';
}

/** The teacher uploads proof of attendance once the request is approved. */
export function canUploadProof(actor: Actor, request: RequestSubject): boolean {
  return sameTenant(actor, request) && actor.userId.equals(request.userId) && request.status === 'approved';
}

/** The teacher claims reimbursement once, for an approved request with money committed to it. */
export function canClaimReimbursement(actor: Actor, request: RequestSubject & { committed: number; reimbursement?: { status?: string | null } | null }): boolean {
  return sameTenant(actor, request) && actor.userId.equals(request.userId) && ['approved', 'proof-submitted', 'verified'].includes(request.status) && request.committed > 0 && (request.reimbursement?.status ?? 'none') === 'none';
}

/** Certificates and receipts are opened by the teacher who sent them and by PD staff. */
export function canOpenRequestFiles(actor: Actor, request: RequestSubject): boolean {
  return sameTenant(actor, request) && (actor.userId.equals(request.userId) || actor.roles.has('pdStaff'));
}
