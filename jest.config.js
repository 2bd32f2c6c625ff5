/** Jest runs TypeScript through SWC: type-checking is tsc's job (`npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Synthesis is CPU-bound; two workers match this 2-core machine and CI.
  maxWorkers: 2,
  testTimeout: 60000,
};
