import { Types } from 'mongoose';
import * as frameworks from '../../src/frameworks/service';
import { Harness, Session, startHarness } from '../support/harness';
import { frameworkFormFields, pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let teacher: Session;
beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
});
afterAll(() => h.close());

const stored = () => h.db().collection('frameworks').find({ tenantId: h.canvas.tenantId }).toArray();

async function sample(): Promise<frameworks.FrameworkView> {
  return frameworks.activeFramework(h.canvas.tenantId);
}

test('PD staff add the sample framework; everyone in the district can read it', async () => {
  const before = await staff.get('/frameworks');
  expect(before.text).toContain('no competency framework yet');
  const added = await staff.post('/frameworks/sample');
  expect(added.status).toBe(303);
  const page = pageText((await teacher.get('/frameworks')).text);
  expect(page).toContain('PD Pathways sample teaching framework');
  expect(page).toContain('Formative assessment');
  expect(page).toContain('Leading');
  expect(page).not.toContain('New framework');
  const fw = await sample();
  expect(fw.domains.length).toBeGreaterThanOrEqual(4);
  expect(fw.competencies.length).toBeGreaterThanOrEqual(10);
  expect(fw.competencies.every((c) => c.levels.length === 4 && c.levels.every((l) => l.length > 40))).toBe(true);
  const log = await h.db().collection('auditLog').find({ tenantId: h.canvas.tenantId }).toArray();
  expect(log.map((e) => [e.action, e.actorName])).toEqual([['framework.created', 'Alex Kim'], ['framework.default-set', 'Alex Kim']]);
});

test('teachers cannot manage frameworks', async () => {
  const fw = await sample();
  expect((await teacher.get('/frameworks/new')).status).toBe(403);
  expect((await teacher.get(`/frameworks/${fw.id}/edit`)).status).toBe(403);
  expect((await teacher.post(`/frameworks/${fw.id}`, frameworkFormFields(fw))).status).toBe(403);
  expect((await teacher.post('/frameworks/import', { json: '{}' })).status).toBe(403);
});

test('PD staff edit a framework: rename, reword a descriptor, add a competency, remove one', async () => {
  const fw = await sample();
  const form = await staff.get(`/frameworks/${fw.id}/edit`);
  expect(form.status).toBe(200);
  expect(form.text).toContain('name="competencies.0.levels.3"');
  const fields = frameworkFormFields(fw);
  const n = fw.competencies.length;
  Object.assign(fields, {
    name: 'Northfield teaching framework',
    'competencies.0.levels.0': 'Plans mostly day to day from the textbook.',
    'competencies.1.remove': 'on',
    [`competencies.${n}.code`]: 'tech9',
    [`competencies.${n}.domain`]: 'INST',
    [`competencies.${n}.name`]: 'Digital citizenship',
    [`competencies.${n}.levels.0`]: 'Rarely discusses online safety.',
    [`competencies.${n}.levels.1`]: 'Mentions safety rules when devices are used.',
    [`competencies.${n}.levels.2`]: 'Teaches and practises responsible online behaviour.',
    [`competencies.${n}.levels.3`]: 'Students lead peers in responsible online behaviour.',
    [`competencies.${n + 1}.code`]: '',
  });
  const saved = await staff.post(`/frameworks/${fw.id}`, fields);
  expect(saved.status).toBe(303);
  const after = await sample();
  expect(after.name).toBe('Northfield teaching framework');
  expect(after.competencies[0]!.levels[0]).toBe('Plans mostly day to day from the textbook.');
  expect(after.competencies.map((c) => c.code)).not.toContain(fw.competencies[1]!.code);
  expect(after.competencies.at(-1)).toMatchObject({ code: 'TECH9', domainName: 'Instruction', name: 'Digital citizenship' });
  const log = await h.db().collection('auditLog').findOne({ tenantId: h.canvas.tenantId, action: 'framework.updated' });
  expect(log?.after).toMatchObject({ name: 'Northfield teaching framework' });
});

test('bad edits (empty name, duplicate code, missing descriptor) come back with messages and save nothing', async () => {
  const fw = await sample();
  const before = await stored();
  const fields = { ...frameworkFormFields(fw), name: '  ', 'competencies.2.code': fw.competencies[0]!.code, 'competencies.3.levels.2': '' };
  const res = await staff.post(`/frameworks/${fw.id}`, fields);
  expect(res.status).toBe(400);
  const text = pageText(res.text);
  expect(text).toContain('Enter a name for the framework');
  expect(text).toContain(`Code ${fw.competencies[0]!.code} is already used by competency 1`);
  expect(text).toContain('Describe what this level looks like in practice');
  expect(res.text).toMatch(/id="competencies\.3\.levels\.2"[^>]*aria-invalid="true"[^>]*aria-describedby="competencies\.3\.levels\.2-error"/);
  expect(res.text).toContain(`value="${fw.competencies[4]!.name}"`);
  expect(await stored()).toEqual(before);
});

test('export downloads the import shape; an edited export imports as a new framework and round-trips', async () => {
  const fw = await sample();
  const exported = await staff.get(`/frameworks/${fw.id}/export`);
  expect(exported.status).toBe(200);
  expect(exported.headers['content-disposition']).toContain(`${fw.key}.json`);
  const file = JSON.parse(exported.text);
  expect(Object.keys(file)).toEqual(['key', 'name', 'description', 'domains', 'competencies']);
  const copy = { ...file, key: 'district-copy', name: 'District copy' };

  const imported = await staff.launch.agent
    .post(`/frameworks/import?ltik=${staff.ltik}`)
    .field('_csrf', staff.csrf)
    .attach('file', Buffer.from(JSON.stringify(copy)), { filename: 'copy.json', contentType: 'application/json' });
  expect(imported.status).toBe(303);
  const id = /\/frameworks\/([a-f0-9]{24})/.exec(imported.headers.location)![1]!;
  const again = await staff.get(`/frameworks/${id}/export`);
  expect(JSON.parse(again.text)).toEqual(copy);

  const pasted = await staff.post('/frameworks/import', { json: JSON.stringify({ ...copy, name: 'District copy, revised' }) });
  expect(pasted.status).toBe(303);
  expect((await frameworks.getFramework(h.canvas.tenantId, id)).name).toBe('District copy, revised');
  expect(await h.db().collection('frameworks').countDocuments({ tenantId: h.canvas.tenantId })).toBe(2);
});

test('malformed imports are rejected with per-field messages and nothing is saved', async () => {
  const before = await stored();
  const broken = await staff.post('/frameworks/import', { json: '{"name": "Oops",' });
  expect(broken.status).toBe(400);
  expect(pageText(broken.text)).toContain('Not valid JSON');

  const file = frameworks.exportFramework(await sample());
  const wrong = { ...file, key: 'wrong-one', competencies: [{ ...file.competencies[0]!, levels: ['a', 'b', 'c'] }, { ...file.competencies[1]!, domain: 'NOPE' }] };
  const shaped = await staff.post('/frameworks/import', { json: JSON.stringify(wrong) });
  expect(shaped.status).toBe(400);
  const text = pageText(shaped.text);
  expect(text).toContain(`Competency 1 (${file.competencies[0]!.code}), levels: Give exactly 4 level descriptors`);
  expect(text).toContain('Domain NOPE is not in this framework');
  expect(shaped.text).toContain('&#34;wrong-one&#34;');
  expect(await stored()).toEqual(before);
});

test('PD staff choose the default framework', async () => {
  const copy = (await frameworks.listFrameworks(h.canvas.tenantId)).find((f) => f.key === 'district-copy')!;
  expect((await staff.post(`/frameworks/${copy._id}/default`)).status).toBe(303);
  expect((await frameworks.activeFramework(h.canvas.tenantId)).key).toBe('district-copy');
  expect(await h.db().collection('frameworks').countDocuments({ tenantId: h.canvas.tenantId, isDefault: true })).toBe(1);
});

test('another tenant’s frameworks are invisible', async () => {
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const canvasFw = await sample();
  expect((await moodleStaff.get(`/frameworks/${canvasFw.id}`)).status).toBe(404);
  expect((await moodleStaff.get(`/frameworks/${canvasFw.id}/export`)).status).toBe(404);
  expect((await moodleStaff.post(`/frameworks/${canvasFw.id}/default`)).status).toBe(404);
  expect(pageText((await moodleStaff.get('/frameworks')).text)).not.toContain(canvasFw.name);
  expect(await h.db().collection('frameworks').countDocuments({ tenantId: new Types.ObjectId(h.moodle.tenantId) })).toBe(0);
});
