/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Generous: suites start a database, two platform simulators and the app; on a busy 2-core machine
  // that alone can take over 30 s. Nothing here measures speed.
  testTimeout: 120000,
  maxWorkers: 2,
};
