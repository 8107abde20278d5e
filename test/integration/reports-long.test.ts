import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let staff: Session;
const TEACHERS = 55;

beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  const t = h.canvas.tenantId;
  for (let i = 1; i <= TEACHERS; i++) {
    const person = await users.ensurePerson(t, { name: `Listed Teacher ${String(i).padStart(2, '0')}`, email: `listed${i}@district.example` });
    await plans.ensureDraftPlan(t, person._id);
  }
});
afterAll(() => h.close());

test('a report longer than the page shows its first 50 rows, says how many more there are and links the CSV that has them all', async () => {
  const res = await staff.get('/reports');
  expect(res.status).toBe(200);
  const caps = pageText(res.text.slice(res.text.indexOf('id="caps"'), res.text.indexOf('id="reviews"')));
  const total = (await staff.get('/reports/caps.csv')).text.trim().split('\n').length - 1;
  expect(total).toBeGreaterThanOrEqual(TEACHERS);
  expect(caps).toContain(`Hours and spend against caps (the first 50 of ${total} rows)`);
  expect(caps.match(/Listed Teacher \d\d/g)).toHaveLength(50);
  expect(caps).toContain(`The other ${total - 50} rows are in the CSV download`);
  expect(res.text).toMatch(new RegExp(`id="chart-caps"[^>]*aria-label="[^"]*The table below has the first 50 rows; the CSV has all ${total}\\."`));
  const csv = (await staff.get('/reports/caps.csv')).text;
  for (let i = 1; i <= TEACHERS; i++) expect(csv).toContain(`Listed Teacher ${String(i).padStart(2, '0')}`);
});
