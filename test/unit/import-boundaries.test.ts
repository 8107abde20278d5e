import path from 'node:path';
import { ESLint } from 'eslint';

// The boundaries of docs/ARCHITECTURE.md §4, as `npm run lint` keeps them: each case lints a would-be file
// (it need not exist; what it imports does) and reads what the linter says.
const root = path.resolve(__dirname, '../..');
// The config is handed over rather than looked up: ESLint loads config files by dynamic import, which jest's VM refuses.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS config file itself
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: require('../../eslint.config.js') });

async function complaints(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies' || m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (spec: string) => `import * as m from '${spec}';\nexport const used = m;\n`;

test("a feature reaches another only through its service index, and is told which import to use", async () => {
  expect(await complaints('src/reports/example.ts', importing('../plans/model'))).toEqual([
    expect.stringContaining('import ../plans/service instead of ../plans/model'),
  ]);
  expect(await complaints('src/reports/example.ts', importing('../plans/routes'))).toHaveLength(1);
  expect(await complaints('src/reports/service/example.ts', importing('../../pathways/service/batches'))).toEqual([
    expect.stringContaining('import ../pathways/service instead of'),
  ]);
  expect(await complaints('src/reports/example.ts', importing('../plans/service'))).toEqual([]);
  expect(await complaints('src/reports/example.ts', importing('../pathways/service'))).toEqual([]);
  expect(await complaints('src/reports/routes/example.ts', importing('../../pathways/service/index'))).toEqual([]);
});

test('inside a feature, files import each other freely', async () => {
  expect(await complaints('src/plans/example.ts', importing('./model'))).toEqual([]);
  expect(await complaints('src/pathways/service/example.ts', importing('../model'))).toEqual([]);
});

test('src/web/ and src/kernel/ import no feature', async () => {
  expect(await complaints('src/web/example.ts', importing('../users/service'))).toEqual([
    expect.stringContaining('Shared machinery imports no feature (../users/service)'),
  ]);
  expect(await complaints('src/kernel/example.ts', importing('../plans/service'))).toHaveLength(1);
  expect(await complaints('src/kernel/example.ts', importing('../lti/message/roles'))).toHaveLength(1);
  expect(await complaints('src/kernel/example.ts', importing('../web/request'))).toEqual([
    expect.stringContaining('src/kernel/ knows nothing of express'),
  ]);
});

test("only a feature's routes use the express helpers of src/web/; everything may format", async () => {
  expect(await complaints('src/plans/service/example.ts', importing('../../web/request'))).toEqual([
    expect.stringContaining("Only a feature's routes use src/web/ (../../web/request)"),
  ]);
  expect(await complaints('src/plans/presenter.ts', importing('../web/request'))).toHaveLength(1);
  expect(await complaints('src/plans/presenter.ts', importing('../web/nextStep'))).toEqual([]);
  expect(await complaints('src/plans/routes.ts', importing('../web/request'))).toEqual([]);
  expect(await complaints('src/plans/recordRoutes.ts', importing('../web/forms'))).toEqual([]);
  expect(await complaints('src/pathways/routes/example.ts', importing('../../web/forms'))).toEqual([]);
  expect(await complaints('src/plans/service/example.ts', importing('../../web/format'))).toEqual([]);
});

test('services, models, rules, policies and presenters never import express', async () => {
  expect(await complaints('src/plans/rules.ts', importing('express'))).toEqual([expect.stringContaining('never see req/res')]);
  expect(await complaints('src/pathways/service/example.ts', importing('express'))).toHaveLength(1);
  expect(await complaints('src/plans/routes.ts', importing('express'))).toEqual([]);
});

test('only the app mounts the session loader and the demo; nothing imports the app', async () => {
  expect(await complaints('src/plans/routes.ts', importing('../session/loadActor'))).toEqual([
    expect.stringContaining('Only src/app.ts (and src/server.ts) import ../session/loadActor'),
  ]);
  expect(await complaints('src/lti/example.ts', importing('../demo'))).toHaveLength(1);
  expect(await complaints('src/users/service.ts', importing('../app'))).toHaveLength(1);
  expect(await complaints('src/app.ts', importing('./session/loadActor'))).toEqual([]);
  expect(await complaints('src/app.ts', importing('./plans/routes'))).toEqual([]);
});
