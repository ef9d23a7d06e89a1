// Jest 30 in native ESM mode (run with --experimental-vm-modules), TypeScript through ts-jest.
// Type checking is `tsc --noEmit`'s job; ts-jest only transpiles (isolatedModules).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: { isolatedModules: true, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: false } },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  // Sources import siblings as `./x.ts`, and the imports stay so: Jest resolves them, and modules Node loads
  // itself (the global setup's imports) run through Node's own type stripping.
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/env/jest-env.ts'],
};

export default {
  // `npm run coverage`: the workflow's decisions must stay covered by its unit tables.
  collectCoverageFrom: ['src/migration/**/*.ts', '!src/migration/**/*.test.ts'],
  coverageThreshold: { './src/migration/': { lines: 90, branches: 90 } },
  coverageReporters: ['text', 'text-summary'],
  reporters: ['default', '<rootDir>/test/env/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/env/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/env/jest-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/env/jest-integration-timeout.ts'],
    },
  ],
};
