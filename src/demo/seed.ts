import { TenantId } from '../db/tenancy';
import * as catalog from '../catalog/service';
import * as frameworks from '../frameworks/service';
import * as users from '../users/service';
import type { Flavor, SimCourse, SimUser } from './platform';

export interface DemoDistrict {
  flavor: Flavor;
  roster: { users: Record<string, SimUser>; course: SimCourse };
}

/**
 * Fills a demo tenant with what a district would have set up before anyone launches: its people
 * (pending until their first launch) and, from the features, framework, catalog and pathways.
 * Every step is idempotent: it runs on each start.
 */
export async function seedDemoTenant(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  for (const u of Object.values(district.roster.users)) {
    await users.ensurePerson(tenantId, {
      name: u.name,
      email: u.email,
      sub: u.sub,
      sourcedId: u.sourcedId,
      ...(district.flavor === 'canvas' ? { canvasId: u.lmsId } : { moodleId: u.lmsId }),
    });
  }
  await assignDemoCoach(tenantId, district);
  await frameworks.ensureSampleFramework(tenantId);
  await catalog.ensureSampleCatalog(tenantId, { lmsCourseIds: [district.roster.course.id] });
}

/** The demo coach mentors the roster's mentees who have no coach yet, so the coach home has a caseload. */
async function assignDemoCoach(tenantId: TenantId, district: DemoDistrict): Promise<void> {
  const coach = await users.findBySub(tenantId, district.roster.users.coach?.sub ?? '');
  const mentees = district.roster.course.members.find((m) => m.userSub === coach?.sub)?.mentees ?? [];
  for (const sub of mentees) {
    const teacher = await users.findBySub(tenantId, sub);
    if (coach && teacher && !teacher.coachIds.length) await users.setCoaches(tenantId, teacher._id, [coach._id]);
  }
}
