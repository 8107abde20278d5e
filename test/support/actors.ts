import { Types } from 'mongoose';
import { Actor, Role } from '../../src/kernel/actor';
import { TenantPolicy } from '../../src/kernel/tenantPolicy';
import { Tenant } from '../../src/tenants/model';

/** The district policy a new tenant gets (schema defaults). */
export function defaultPolicy(): TenantPolicy {
  return new Tenant({}).toObject().policy as TenantPolicy;
}

/** An Actor for policy unit tests: a teacher in a fresh tenant unless told otherwise. */
export function actorFor(roles: Role[] = ['teacher'], overrides: Partial<Actor> = {}): Actor {
  return {
    tenantId: new Types.ObjectId(),
    userId: new Types.ObjectId(),
    sub: 'sub-1',
    name: 'Test Person',
    roles: new Set<Role>(['teacher', ...roles]),
    platform: { name: 'Test LMS', family: 'canvas', issuer: 'https://lms.example' },
    policy: { planMonths: 24, maxCostPerYear: 1500, maxHoursPerYear: 120, minHoursPerYear: 20, approvalRequired: true, approvers: 'approver-grant', reflectionRequired: true, instructorsSeeCourseProgress: false, creditRetention: 'years', creditRetentionYears: 7, timeZone: 'UTC', instructorsFacilitate: false },
    ...overrides,
  };
}
