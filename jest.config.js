// Jest 30 in native ESM mode (run with --experimental-vm-modules), TypeScript through ts-jest.
// Type checking is `tsc --noEmit`'s job; ts-jest only transpiles (isolatedModules).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: { isolatedModules: true, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true } },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  // Sources import siblings as `./x.ts`; ts-jest rewrites that to `./x.js` — map it back to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
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
      testTimeout: 120000,
    },
  ],
};
