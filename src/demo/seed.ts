import { TenantId } from '../db/tenancy';
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
}
