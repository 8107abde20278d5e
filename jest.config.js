/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Data Integrity libraries (and a few of their dependencies) ship only ES modules: compiled to CommonJS
  // like our own files, since jest's native ESM support is still experimental.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }], '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@digitalbazaar|ky|base58-universal|base64url-universal)/)'],
  // Generous: suites start a database, two platform simulators and the app; on a busy 2-core machine
  // that alone can take over 30 s. Nothing here measures speed.
  testTimeout: 120000,
  maxWorkers: 2,
};
