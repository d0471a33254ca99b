process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Starts one in-memory DynamoDB Local for a test project. Test files share it and keep apart
 * by creating their own tables (see test/support/hub.ts).
 */

import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { getPort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ port: await getPort() });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return () => dynamodb.stop();
}
