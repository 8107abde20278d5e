import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import * as credentials from '../../src/credentials/service';
import * as frameworks from '../../src/frameworks/service';
import * as groups from '../../src/groups/service';
import * as users from '../../src/users/service';
import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  await catalog.ensureSampleCatalog(h.canvas.tenantId, { lmsCourseIds: ['9001'] });
  await credentials.ensureSampleAchievements(h.canvas.tenantId);
}, 60_000);
afterAll(() => h.close());

test('a teacher’s deletion request also removes group memberships, badges and the completion ledger about them', async () => {
  const tenantId = h.canvas.tenantId;
  const teacher = await h.launchAs(h.canvas, 'teacher3');
  const me = (await users.findBySub(tenantId, h.canvas.users.teacher3.sub))!;
  const by = { userId: me._id, name: 'PD office' };

  const school = await groups.createGroup(tenantId, { name: 'Privacy Elementary', kind: 'school' }, by);
  await groups.addMembers(tenantId, school._id, [me._id], by);
  const [achievement] = await credentials.listAchievements(tenantId);
  await credentials.award(tenantId, { achievementId: String(achievement._id), userId: String(me._id), source: { kind: 'manual' } });
  await completions.ingest(tenantId, { source: 'csv', courseId: '9001', lmsUserId: me.aliases!.email!, userIdKind: 'email', completedAt: new Date('2026-10-01') });
  await completions.processPending();
  expect(await groups.groupsOf(tenantId, me._id)).toHaveLength(1);
  expect(await credentials.credentialsOf(tenantId, me._id)).toHaveLength(1);
  expect(await completions.recentForPerson(tenantId, me._id)).toHaveLength(1);

  expect((await teacher.post('/my-data/delete', { confirm: 'DELETE' })).status).toBe(200);

  expect(await groups.groupsOf(tenantId, me._id)).toHaveLength(0);
  expect(await credentials.credentialsOf(tenantId, me._id)).toHaveLength(0);
  expect(await completions.recentForPerson(tenantId, me._id)).toHaveLength(0);
  expect((await groups.getGroup(tenantId, school._id)).name).toBe('Privacy Elementary');
});
