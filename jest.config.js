/** Tests run from TypeScript sources (no build needed); workspace packages map to their src. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  moduleNameMapper: {
    '^@banana-relay/(core|express|emulator|nestjs)$': '<rootDir>/packages/$1/src/index.ts',
    '^@banana-relay/core/(gcs|s3)$': '<rootDir>/packages/core/src/storage/$1-storage.ts',
    '^@banana-relay/core/metrics$': '<rootDir>/packages/core/src/metrics/prometheus.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test-support/loopback-only.cjs'],
};
