import { Types } from 'mongoose';
import { canBuildEvaluations, canEvaluate, canOpenResults, canSeeSessionResults, canViewEfficacy, seesNames } from '../../src/evaluations/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const facilitator = actorFor(['facilitator'], { tenantId: staff.tenantId });
const teacher = actorFor([], { tenantId: staff.tenantId });
const session = (facilitatorIds: Types.ObjectId[] = [], tenantId = staff.tenantId) => ({ tenantId, facilitatorIds });
const settings = (anonymousToFacilitators: boolean, anonymousToStaff: boolean, tenantId = staff.tenantId) => ({ tenantId, anonymousToFacilitators, anonymousToStaff });

test('PD staff build forms and read the efficacy report; facilitators and teachers do not', () => {
  expect(canBuildEvaluations(staff)).toBe(true);
  expect(canBuildEvaluations(facilitator)).toBe(false);
  expect(canViewEfficacy(staff)).toBe(true);
  expect(canViewEfficacy(facilitator)).toBe(false);
  expect(canViewEfficacy(teacher)).toBe(false);
});

test('a facilitator sees results of the sessions naming them only; PD staff of the tenant see all; teachers none', () => {
  expect(canSeeSessionResults(facilitator, session([facilitator.userId]))).toBe(true);
  expect(canSeeSessionResults(facilitator, session([new Types.ObjectId()]))).toBe(false);
  expect(canSeeSessionResults(facilitator, session([facilitator.userId], new Types.ObjectId()))).toBe(false);
  expect(canSeeSessionResults(staff, session())).toBe(true);
  expect(canSeeSessionResults(staff, session([], new Types.ObjectId()))).toBe(false);
  expect(canSeeSessionResults(teacher, session([teacher.userId]))).toBe(false);
  expect(canOpenResults(facilitator)).toBe(true);
  expect(canOpenResults(teacher)).toBe(false);
});

test('a person evaluates only their own registration, once attended', () => {
  const reg = (over: object = {}) => ({ tenantId: teacher.tenantId, userId: teacher.userId, status: 'registered', attendance: { hours: 2 }, ...over });
  expect(canEvaluate(teacher, reg())).toBe(true);
  expect(canEvaluate(teacher, reg({ attendance: undefined }))).toBe(false);
  expect(canEvaluate(teacher, reg({ status: 'cancelled' }))).toBe(false);
  expect(canEvaluate(teacher, reg({ userId: new Types.ObjectId() }))).toBe(false);
  expect(canEvaluate(teacher, reg({ tenantId: new Types.ObjectId() }))).toBe(false);
  expect(canEvaluate(teacher, null)).toBe(false);
});

test('names next to answers follow the district setting: facilitators, PD staff, never teachers or another tenant', () => {
  expect(seesNames(facilitator, settings(true, false))).toBe(false);
  expect(seesNames(facilitator, settings(false, false))).toBe(true);
  expect(seesNames(staff, settings(true, false))).toBe(true);
  expect(seesNames(staff, settings(true, true))).toBe(false);
  expect(seesNames(teacher, settings(false, false))).toBe(false);
  expect(seesNames(staff, settings(false, false, new Types.ObjectId()))).toBe(false);
});
