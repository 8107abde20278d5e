import fs from 'node:fs';
import path from 'node:path';
import * as frameworks from '../../src/frameworks/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let staff: Session;
let teacher: Session;
let frameworkId: string;
let planId: string;
const tenantId = () => h.canvas.tenantId;
const samplePath = path.join(__dirname, '../../samples/case-teaching-standards.json');
const sampleText = fs.readFileSync(samplePath, 'utf8');
type Pkg = { CFDocument: Record<string, unknown>; CFItems: Record<string, unknown>[]; CFAssociations: Record<string, unknown>[] };
const samplePkg = (): Pkg => JSON.parse(sampleText);
const stored = () => h.db().collection('frameworks').find({ tenantId: h.canvas.tenantId }).toArray();
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);

function upload(s: Session, text: string) {
  return s.launch.agent
    .post(`/frameworks/import?ltik=${encodeURIComponent(s.ltik)}`)
    .field('_csrf', s.csrf)
    .attach('file', Buffer.from(text), { filename: 'framework.case.json', contentType: 'application/json' });
}

/** The import form as a browser sends it (multipart: the page's form has a file input), text pasted. */
function paste(s: Session, text: string) {
  return s.launch.agent.post(`/frameworks/import?ltik=${encodeURIComponent(s.ltik)}`).field('_csrf', s.csrf).field('json', text);
}

beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
}, 60_000);
afterAll(() => h.close());

test('a teacher cannot import a CASE package or add the sample; nothing is saved', async () => {
  expect((await upload(teacher, sampleText)).status).toBe(403);
  expect((await paste(teacher, sampleText)).status).toBe(403);
  expect((await teacher.post('/frameworks/sample-case')).status).toBe(403);
  expect(await stored()).toEqual([]);
});

test('a bad package is refused with per-field errors, keeps the pasted text and saves nothing', async () => {
  const pkg = samplePkg();
  pkg.CFDocument.lastChangeDateTime = 'last tuesday';
  pkg.CFItems[1] = { ...pkg.CFItems[1], fullStatement: '', identifier: 'not-a-uuid' };
  const res = await paste(staff, JSON.stringify(pkg, null, 2));
  expect(res.status).toBe(400);
  const text = pageText(res.text);
  expect(text).toContain('The CASE package has problems; nothing was saved.');
  expect(text).toContain('CFDocument, lastChangeDateTime: Give the CFDocument lastChangeDateTime as an ISO 8601 date-time');
  expect(text).toContain('CFItem 2 (PL.1), identifier: The CFItem identifier must be a UUID');
  expect(text).toContain('CFItem 2 (PL.1), fullStatement: Give the item’s fullStatement');
  expect(res.text).toContain('last tuesday');
  const unplaced = samplePkg();
  unplaced.CFAssociations = unplaced.CFAssociations.slice(1);
  const tree = await upload(staff, JSON.stringify(unplaced));
  expect(tree.status).toBe(400);
  expect(pageText(tree.text)).toContain('CFItem 1 (PL): This item is not placed under the CFDocument by an isChildOf association');
  expect(await stored()).toEqual([]);
});

test('PD staff import the sample CASE file: domains, competencies and their four levels', async () => {
  const res = await upload(staff, sampleText);
  expect(res.status).toBe(303);
  frameworkId = /\/frameworks\/([a-f0-9]{24})/.exec(res.headers.location!)![1]!;
  const doc = await frameworks.getFramework(tenantId(), frameworkId);
  expect(doc.key).toBe(samplePkg().CFDocument.identifier);
  expect(doc.domains.map((d) => d.code)).toEqual(['PL', 'TC', 'PP']);
  expect(doc.competencies).toHaveLength(8);
  expect(doc.competencies.every((c) => c.levels.length === 4 && c.caseId)).toBe(true);
  const page = pageText((await staff.get(`/frameworks/${frameworkId}`)).text);
  expect(page).toContain('Imported from CASE: Northfield Unified School District');
  expect(page).toContain('PL-1 · Sets clear learning intentions');
  expect((await staff.post(`/frameworks/${frameworkId}/default`)).status).toBe(303);
  const again = pageText((await staff.get('/frameworks')).text);
  expect(again).not.toContain('Add the sample CASE framework');
});

test('a teacher’s plan goal uses an imported competency', async () => {
  planId = /\/plans\/([a-f0-9]{24})/.exec((await teacher.post('/plan')).headers.location!)![1]!;
  const goal = await teacher.post(`/plans/${planId}/goals`, { statement: 'Share goals every lesson', competency: 'PL-1', targetLevel: '3', measure: 'Students restate the goal', targetDate: inMonths(6) });
  expect(goal.status).toBe(303);
  expect(pageText((await teacher.get(`/plans/${planId}`)).text)).toContain('Sets clear learning intentions');
});

function newerVersion(): Pkg {
  const pkg = samplePkg();
  pkg.CFDocument.lastChangeDateTime = '2026-10-01T00:00:00Z';
  const pl1 = pkg.CFItems.find((i) => i.humanCodingScheme === 'PL.1')!;
  pl1.fullStatement = 'Shares clear learning goals with students';
  pl1.humanCodingScheme = 'PL.01';
  const pp = pkg.CFItems.find((i) => i.humanCodingScheme === 'PP')!;
  const id = 'b7d7c0de-0000-4000-8000-000000000003';
  pkg.CFItems.push({ identifier: id, uri: `urn:uuid:${id}`, fullStatement: 'Reflects on practice', humanCodingScheme: 'PP.3', CFItemType: 'Standard', lastChangeDateTime: '2026-10-01T00:00:00Z' });
  pkg.CFAssociations.push({ identifier: 'b7d7c0de-0000-4000-8000-0000000000a3', associationType: 'isChildOf', sequenceNumber: 3, originNodeURI: { identifier: id, uri: `urn:uuid:${id}`, title: 'Reflects on practice' }, destinationNodeURI: { identifier: pp.identifier, uri: pp.uri, title: pp.fullStatement } });
  return pkg;
}

test('re-importing a newer version updates in place by CFItem identifier; the plan still shows its goal’s competency', async () => {
  const before = await frameworks.getFramework(tenantId(), frameworkId);
  const res = await paste(staff, JSON.stringify(newerVersion(), null, 2));
  expect(res.status).toBe(303);
  expect(res.headers.location).toContain(frameworkId);
  const after = await frameworks.getFramework(tenantId(), frameworkId);
  const pl1 = after.competencies.find((c) => c.caseId === before.competencies[0]!.caseId)!;
  expect(pl1).toMatchObject({ code: 'PL-1', name: 'Shares clear learning goals with students' });
  expect(after.competencies.find((c) => c.code === 'PP-3')).toMatchObject({ name: 'Reflects on practice', levels: [] });
  expect((await stored())).toHaveLength(1);
  expect(pageText((await teacher.get(`/plans/${planId}`)).text)).toContain('Shares clear learning goals with students');
  const show = pageText((await staff.get(`/frameworks/${frameworkId}`)).text);
  expect(show).toContain('1 competency needs level descriptors');
  const assessment = await teacher.get('/assessment');
  expect(assessment.status).toBe(200);
  expect(pageText(assessment.text)).toContain('Shares clear learning goals with students');
  expect(pageText(assessment.text)).not.toContain('Reflects on practice');
});

test('an older version of the same CFDocument is refused and changes nothing', async () => {
  const before = await stored();
  const res = await paste(staff, sampleText);
  expect(res.status).toBe(400);
  expect(pageText(res.text)).toContain('before the version already imported');
  expect(await stored()).toEqual(before);
});

test('export as CASE and re-import round-trips: same framework, same identifiers', async () => {
  const exported = await staff.get(`/frameworks/${frameworkId}/case`);
  expect(exported.status).toBe(200);
  expect(exported.headers['content-disposition']).toContain('.case.json');
  const pkg = JSON.parse(exported.text) as Pkg;
  expect(pkg.CFDocument.identifier).toBe(samplePkg().CFDocument.identifier);
  expect(pkg.CFItems).toHaveLength(3 + 9 + 32);
  const before = await frameworks.getFramework(tenantId(), frameworkId);
  expect((await upload(staff, exported.text)).headers.location).toContain(frameworkId);
  const after = await frameworks.getFramework(tenantId(), frameworkId);
  const shape = (d: typeof before) => ({ domains: d.domains, competencies: d.competencies, retired: d.retired });
  expect(shape(after)).toEqual(shape(before));
  const twice = JSON.parse((await staff.get(`/frameworks/${frameworkId}/case`)).text) as Pkg;
  expect(twice.CFItems.map((i) => i.identifier)).toEqual(pkg.CFItems.map((i) => i.identifier));
  expect(twice.CFAssociations.map((a) => a.identifier)).toEqual(pkg.CFAssociations.map((a) => a.identifier));
});

test('a framework made in PD Pathways exports as CASE with stable identifiers and imports into another district', async () => {
  await frameworks.ensureSampleFramework(tenantId());
  const own = (await frameworks.listFrameworks(tenantId())).find((f) => f.key === 'pd-pathways-sample')!;
  const first = (await staff.get(`/frameworks/${own._id}/case`)).text;
  expect((await staff.get(`/frameworks/${own._id}/case`)).text).toBe(first);
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const res = await upload(moodleStaff, first);
  expect(res.status).toBe(303);
  const imported = (await frameworks.listFrameworks(h.moodle.tenantId))[0]!;
  expect(imported.competencies.map((c) => c.code)).toEqual(own.competencies.map((c) => c.code));
  expect(imported.competencies.every((c) => c.levels.length === 4)).toBe(true);
  expect((await moodleStaff.get(`/frameworks/${frameworkId}/case`)).status).toBe(404);
});
