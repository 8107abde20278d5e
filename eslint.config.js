// ESLint: typescript-eslint's recommended rules, and the import boundaries of docs/ARCHITECTURE.md §4
// kept by eslint-plugin-boundaries. Import cycles between files and between top-level folders are
// checked by scripts/import-cycles.js (`npm run lint` runs both).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const boundaries = require('eslint-plugin-boundaries');
const globals = require('globals');

/** Every top-level folder or root file of src/ is one element; the first pattern that matches wins. */
const elements = [
  { type: 'infrastructure', pattern: ['src/db', 'src/jobs', 'src/lms', 'src/types'] },
  { type: 'kernel', pattern: 'src/kernel' },
  { type: 'web', pattern: 'src/web' },
  { type: 'session', pattern: 'src/session' },
  { type: 'lti', pattern: 'src/lti' },
  { type: 'demo', pattern: 'src/demo' },
  { type: 'feature', pattern: 'src/*', capture: ['feature'] },
].map((element) => ({ ...element, partialMatch: false }));

/** Root files of src/ are no element; they are told apart by file category. */
const files = [
  { category: 'composition', pattern: ['src/app.ts', 'src/server.ts', 'src/reactions.ts', 'src/auditDirectory.ts', 'src/cli/**/*.ts'] },
  { category: 'infrastructure', pattern: ['src/config.ts', 'src/events.ts', 'src/log.ts', 'src/paths.ts', 'src/secrets.ts'] },
];

const feature = { element: { type: 'feature' } };
const serviceIndex = ['service.ts', 'service/index.ts'];
/** Files of a feature that face express: its router(s). */
const routeFiles = ['routes.ts', 'routes/**', '*Routes.ts'];
const composition = { file: { categories: 'composition' } };

const policies = [
  {
    from: { element: { types: { anyOf: ['feature', 'lti', 'session', 'demo'] } } },
    disallow: { to: feature },
    message:
      'A feature is reached only through its service index: import ../{{to.captured.feature}}/service instead of ' +
      '{{dependency.source}}, or react to its domain event in a reactions.ts.',
  },
  { allow: { to: { element: { type: 'feature', fileInternalPath: serviceIndex } } } },
  { from: composition, allow: { to: feature } },
  {
    from: [{ element: { types: { anyOf: ['kernel', 'web', 'infrastructure'] } } }, { file: { categories: 'infrastructure' } }],
    disallow: [{ to: { element: { types: { anyOf: ['feature', 'lti', 'session', 'demo'] } } } }, { to: composition }],
    message:
      'Shared machinery imports no feature ({{dependency.source}}): take the value as a parameter, or let the ' +
      'feature register with it (as routes do with src/web/nav.ts).',
  },
  {
    from: { element: { type: 'kernel' } },
    disallow: { to: { element: { type: 'web' } } },
    message: 'src/kernel/ knows nothing of express or src/web/ ({{dependency.source}}).',
  },
  {
    from: feature,
    disallow: { to: { element: { type: 'web' } } },
    message:
      "Only a feature's routes use src/web/ ({{dependency.source}}): pass what the service needs as a parameter, " +
      'or register it from the routes or src/app.ts.',
  },
  { from: { element: { type: 'feature', fileInternalPath: routeFiles } }, allow: { to: { element: { type: 'web' } } } },
  {
    from: { element: { type: 'feature', fileInternalPath: 'presenter.ts' } },
    allow: { to: { element: { type: 'web', fileInternalPath: ['homes.ts', 'nextStep.ts'] } } },
  },
  // The one formatter for money, dates and plurals is plain functions without express; every layer uses it.
  { allow: { to: { element: { type: 'web', fileInternalPath: 'format.ts' } } } },
  {
    from: { element: { types: { anyOf: ['feature', 'lti', 'web', 'kernel', 'infrastructure'] } } },
    disallow: [{ to: { element: { types: { anyOf: ['session', 'demo'] } } } }, { to: composition }],
    message:
      'Only src/app.ts (and src/server.ts) import {{dependency.source}}: features depend on the Actor type in ' +
      'src/kernel/actor.ts and register with the app, never the other way round.',
  },
];

/** Files that never see a request: a feature's model, service, rules, policy, reactions and presenter. */
const expressFree = ['model', 'service', 'service/**/*', 'rules', 'policy', 'reactions', 'presenter', 'jobs']
  .map((name) => `src/*/${name}.ts`)
  .concat('src/kernel/**/*.ts');

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'public/vendor/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // The house convention, as tsc's noUnusedLocals: a leading _ marks a parameter kept for its position,
      // and destructuring names what a rest object leaves out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A timer cleared by a callback declared before it is set is a `let` on purpose.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // The second mongoose, pinned by ltijs, is loaded by path in the database tests.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^ltijs/node_modules/'] }],
    },
  },
  {
    files: ['scripts/**/*.js', 'test/**/*.js', '*.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/files': files,
      'boundaries/legacy-templates': false,
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', policies }],
    },
  },
  {
    files: expressFree,
    ignores: ['src/web/**', 'src/lti/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'express',
              message: 'Services, models, rules, policies and presenters never see req/res: take plain values, leave express to the routes.',
            },
          ],
        },
      ],
    },
  },
);
