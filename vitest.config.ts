import { defineConfig } from 'vitest/config';

/**
 * Tests by kind, each a project:
 *   unit        no network; AWS SDK calls mocked with aws-sdk-client-mock
 *   integration the local stand-ins over real sockets (DynamoDB Local, SES, SNS, the HTTP API)
 *   workflow    state machine definitions and the local Step Functions service
 *   infra       CDK template assertions and cdk-nag
 *   browser     pages in a real Chromium
 *   static      the type checker and Biome over the repository
 */
const stack = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'static', include: ['test/static/**/*.test.ts'], testTimeout: 300_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: stack,
          setupFiles: ['test/support/local-env.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          globalSetup: stack,
          setupFiles: ['test/support/local-env.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: stack,
          setupFiles: ['test/support/local-env.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
