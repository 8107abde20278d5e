import fs from 'node:fs';
import path from 'node:path';
import { casePackage } from '../../src/frameworks/caseExport';
import { CFPackage } from '../../src/frameworks/casePackage';
import { codeFrom, frameworkFromCase, reimport, stableUuid, versionProblem } from '../../src/frameworks/rules';
import { Invalid } from '../../src/kernel/errors';

const sample = () => CFPackage.parse(JSON.parse(fs.readFileSync(path.join(__dirname, '../../samples/case-teaching-standards.json'), 'utf8')));
const problems = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof Invalid) return err.fields;
    throw err;
  }
  throw new Error('expected Invalid');
};

test('the sample maps to domains, competencies and four ordered levels, keyed by the CFDocument identifier', () => {
  const pkg = sample();
  const { framework, origin } = frameworkFromCase(pkg);
  expect(framework.key).toBe(pkg.CFDocument.identifier);
  expect(framework.name).toBe('Northfield Teaching Standards');
  expect(framework.domains.map((d) => d.code)).toEqual(['PL', 'TC', 'PP']);
  expect(framework.competencies.map((c) => c.code)).toEqual(['PL-1', 'PL-2', 'PL-3', 'TC-1', 'TC-2', 'TC-3', 'PP-1', 'PP-2']);
  const first = framework.competencies[0]!;
  expect(first).toMatchObject({ domain: 'PL', name: 'Sets clear learning intentions', description: '' });
  expect(first.levels).toHaveLength(4);
  expect(first.levels[0]).toMatch(/^Lessons are organised around activities/);
  expect(first.levels[3]).toMatch(/^Students help write success criteria/);
  expect(first.caseId).toBe(pkg.CFItems.find((i) => i.humanCodingScheme === 'PL.1')!.identifier);
  expect(origin['competencies.0']).toMatch(/^CFItems\.\d+$/);
});

test('levels follow sequenceNumber, not file order; hasSkillLevel links count as levels too', () => {
  const pkg = sample();
  const pl1 = pkg.CFItems.find((i) => i.humanCodingScheme === 'PL.1')!.identifier;
  const levelLinks = pkg.CFAssociations.filter((a) => a.destinationNodeURI.identifier === pl1);
  levelLinks.reverse();
  const others = pkg.CFAssociations.filter((a) => a.destinationNodeURI.identifier !== pl1);
  const shuffled = { ...pkg, CFAssociations: [...others, ...levelLinks] };
  expect(frameworkFromCase(shuffled).framework.competencies[0]!.levels[0]).toMatch(/^Lessons are organised/);
  const asSkill = levelLinks.map((a) => ({ ...a, associationType: 'hasSkillLevel', originNodeURI: a.destinationNodeURI, destinationNodeURI: a.originNodeURI }));
  expect(frameworkFromCase({ ...pkg, CFAssociations: [...others, ...asSkill] }).framework.competencies[0]!.levels).toHaveLength(4);
});

test('a competency without level items imports needing descriptors', () => {
  const pkg = sample();
  const levels = new Set(pkg.CFItems.filter((i) => i.CFItemType === 'Performance Level').map((i) => i.identifier));
  const bare = { ...pkg, CFItems: pkg.CFItems.filter((i) => !levels.has(i.identifier)), CFAssociations: pkg.CFAssociations.filter((a) => !levels.has(a.originNodeURI.identifier)) };
  expect(frameworkFromCase(bare).framework.competencies.every((c) => c.levels.length === 0)).toBe(true);
});

test('problems are reported per package field: wrong level count, deeper nesting, unplaced item, dangling link', () => {
  const pkg = sample();
  const level = pkg.CFAssociations.findIndex((a) => pkg.CFItems.find((i) => i.identifier === a.originNodeURI.identifier)?.CFItemType === 'Performance Level');
  const extra = { identifier: stableUuid('x'), fullStatement: 'An orphan' };
  const tc1 = pkg.CFItems.find((i) => i.humanCodingScheme === 'TC.1.2')!.identifier;
  const broken = {
    ...pkg,
    CFItems: [...pkg.CFItems.map((i) => (i.identifier === tc1 ? { ...i, CFItemType: 'Indicator' } : i)), extra],
    CFAssociations: [
      ...pkg.CFAssociations.filter((_, k) => k !== level),
      { associationType: 'isChildOf', originNodeURI: { identifier: stableUuid('nope') }, destinationNodeURI: { identifier: pkg.CFDocument.identifier } },
    ],
  };
  const fields = problems(() => frameworkFromCase(broken));
  expect(Object.values(fields)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^Has 3 level items; give 4 \(Beginning, Developing, Proficient, Leading\)/),
      expect.stringMatching(/^Nested below competency TC\.1: PD Pathways frameworks are domains, competencies and their levels$/),
      'This item is not placed under the CFDocument by an isChildOf association',
      expect.stringMatching(/is not one of the package’s CFItems$/),
    ]),
  );
  expect(Object.keys(fields)).toEqual(expect.arrayContaining([`CFItems.${pkg.CFItems.length}`]));
});

test('codes come from humanCodingScheme and start with a letter', () => {
  expect(codeFrom('2.a', 'C', 'X')).toBe('C2-A');
  expect(codeFrom('ELA.RL.1.1', 'C', 'X')).toBe('ELA-RL-1-1');
  expect(codeFrom(undefined, 'D', 'D3')).toBe('D3');
  expect(codeFrom('x'.repeat(30), 'C', 'X')).toHaveLength(20);
});

test('a re-import keeps codes by identifier, keeps staff descriptors, adds new items and retires dropped ones', () => {
  const pkg = sample();
  const before = frameworkFromCase(pkg).framework;
  const stored = { domains: before.domains, competencies: before.competencies.map((c, i) => (i === 1 ? { ...c, levels: ['a', 'b', 'c', 'd'] } : c)), retired: [] };
  const next = frameworkFromCase(pkg).framework;
  next.competencies[0] = { ...next.competencies[0]!, name: 'Shares clear learning goals', code: 'PL-9' };
  next.competencies[1] = { ...next.competencies[1]!, levels: [] };
  next.competencies.splice(2, 1);
  next.competencies.push({ code: 'PP-3', domain: 'PP', name: 'Reflects on practice', description: '', levels: [], caseId: stableUuid('new') });
  const now = new Date('2026-09-01T00:00:00Z');
  const out = reimport(stored, next, now);
  expect(out.framework.competencies[0]).toMatchObject({ code: 'PL-1', name: 'Shares clear learning goals' });
  expect(out.framework.competencies[1]!.levels).toEqual(['a', 'b', 'c', 'd']);
  expect(out.retired).toEqual([expect.objectContaining({ code: 'PL-3', retiredAt: now })]);
  expect(out.changes).toEqual({ added: 1, renamed: 1, retired: 1, kept: 7 });
  const back = reimport({ ...out.framework, retired: out.retired }, before, now);
  expect(back.retired).toEqual([expect.objectContaining({ code: 'PP-3' })]);
  expect(back.framework.competencies.map((c) => c.code)).toContain('PL-3');
});

test('an older edition of the same document is refused', () => {
  const stored = { uri: 'u', creator: 'c', lastChangeDateTime: new Date('2026-08-15T09:00:00Z') };
  expect(versionProblem(stored, new Date('2026-08-01T00:00:00Z'))).toMatch(/before the version already imported/);
  expect(versionProblem(stored, new Date('2026-08-15T09:00:00Z'))).toBeUndefined();
  expect(versionProblem(undefined, new Date(0))).toBeUndefined();
});

test('export writes a CFPackage whose re-import gives the same framework and identifiers', () => {
  const { framework } = frameworkFromCase(sample());
  const withIds = { caseId: framework.key!, name: framework.name, description: framework.description, updatedAt: new Date('2026-09-01T00:00:00Z'), domains: framework.domains.map((d) => ({ ...d, caseId: d.caseId! })), competencies: framework.competencies.map((c) => ({ ...c, caseId: c.caseId! })) };
  const exported = casePackage(withIds, 'PD Pathways');
  expect(exported.CFDocument).toMatchObject({ identifier: framework.key, title: framework.name, creator: 'PD Pathways', lastChangeDateTime: '2026-09-01T00:00:00.000Z' });
  expect(exported.CFItems).toHaveLength(3 + 8 + 32);
  expect(exported.CFAssociations.every((a) => a.associationType === 'isChildOf')).toBe(true);
  const again = frameworkFromCase(CFPackage.parse(JSON.parse(JSON.stringify(exported)))).framework;
  expect(again).toEqual(framework);
  expect(casePackage(withIds, 'PD Pathways')).toEqual(exported);
});
