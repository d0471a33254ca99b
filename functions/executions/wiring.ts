/** Production wiring of the executions API: Step Functions reads and the execution links. */
import { workflowArns } from '#connectors/stepfunctions/client';
import { stepFunctionsReader } from '#connectors/stepfunctions/execution-reader';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import type { ExecutionDeps } from './ports.ts';

let defaults: ExecutionDeps | undefined;
/** The production wiring, built on first use (config read once). */
export function executionDeps(): ExecutionDeps {
  if (defaults) return defaults;
  const config = loadConfig(TableEnv);
  defaults = {
    reader: stepFunctionsReader(),
    links: new ExecutionLinkStore(documents, config.TABLE_NAME),
    workflows: workflowArns(),
    listPageSize: 100,
    now: () => new Date(),
  };
  return defaults;
}
