import { Types } from 'mongoose';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let staff: Session;

beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  const t = h.canvas.tenantId;
  // Twelve teachers whose plans wait for approval, oldest first by name number.
  for (let i = 1; i <= 12; i++) {
    const person = await users.ensurePerson(t, { name: `Waiting Teacher ${String(i).padStart(2, '0')}`, email: `waiting${i}@district.example` });
    const plan = await plans.ensureDraftPlan(t, person._id);
    await h.db().collection('plans').updateOne({ _id: plan._id }, { $set: { status: 'submitted', submittedAt: new Date(Date.UTC(2026, 10, i)) }, $inc: { rev: 1 } });
  }
});
afterAll(() => h.close());

test('the console lists the ten oldest plans waiting and links to the queue for the rest; the queue lists all', async () => {
  const home = pageText((await staff.get('/staff')).text);
  expect(home).toContain('12 plans waiting for approval');
  const panel = home.slice(home.indexOf('Waiting for your approval'));
  expect(panel).toContain('Waiting Teacher 01');
  expect(panel).toContain('Waiting Teacher 10');
  expect(panel).not.toContain('Waiting Teacher 11');
  expect(panel).toContain('2 more plans waiting: see all in the approval queue');
  const queue = pageText((await staff.get('/approvals')).text);
  expect(queue).toContain('Waiting Teacher 12');
  expect(queue).not.toContain('more plans waiting');
});

test('evidence waiting beyond the first ten is counted on the console and listed in the queue', async () => {
  const t = h.canvas.tenantId;
  const person = await users.ensurePerson(t, { name: 'Evidence Teacher', email: 'evidence@district.example' });
  const plan = await plans.ensureDraftPlan(t, person._id);
  const pieces = Array.from({ length: 12 }, (_, i) => ({ _id: new Types.ObjectId(), kind: 'file', status: 'submitted', isCertificate: i === 0, addedAt: new Date(Date.UTC(2026, 10, i + 1)) }));
  const activity = { _id: new Types.ObjectId(), title: 'Observed lesson', hours: 2, cost: 0, status: 'awaiting-verification', evidence: pieces };
  await h.db().collection('plans').updateOne({ _id: plan._id }, { $set: { status: 'active', goals: [{ _id: new Types.ObjectId(), statement: 'Use exit tickets', status: 'open', progress: 0, activities: [activity] }] }, $inc: { rev: 1 } });
  const panel = pageText((await staff.get('/staff')).text);
  const evidence = panel.slice(panel.indexOf('Evidence to verify'));
  expect(evidence.match(/Evidence Teacher: Observed lesson/g)).toHaveLength(10);
  expect(evidence).toContain('2 more pieces of evidence waiting: see all in the approval queue');
  const queue = pageText((await staff.get('/approvals')).text);
  expect(queue.match(/Evidence Teacher: Observed lesson/g)).toHaveLength(12);
});

test('the queues read only the plans they list, through an index, however many plans the district has', async () => {
  const t = h.canvas.tenantId;
  const queues = {
    submitted: { tenantId: t, status: 'submitted', current: true },
    evidence: { tenantId: t, current: true, 'goals.activities.evidence.status': 'submitted' },
    changes: { tenantId: t, current: true, status: 'active', 'change.status': 'submitted' },
  };
  for (const [queue, filter] of Object.entries(queues)) {
    const explained = (await h.db().collection('plans').find(filter).explain('executionStats')) as { executionStats: { totalDocsExamined: number; nReturned: number } };
    expect({ queue, ...explained.executionStats, scan: JSON.stringify(explained).includes('COLLSCAN') }).toMatchObject({ queue, totalDocsExamined: explained.executionStats.nReturned, scan: false });
  }
});
