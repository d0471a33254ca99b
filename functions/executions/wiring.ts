/** Production wiring of the executions API (Step Functions reads and the execution links) and of dead letters. */
import { workflowArns } from '#connectors/stepfunctions/client';
import { stepFunctionsReader } from '#connectors/stepfunctions/execution-reader';
import { loadConfig, TableEnv } from '#platform/config';
import { DeadLetterStore } from '#store/dead-letters';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { startWorkflow } from '../shared/workflows.ts';
import type { DeadLetterDeps, ExecutionDeps } from './ports.ts';

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

let letters: DeadLetterDeps | undefined;
/** Dead letters in the records table; replays start through Step Functions, tied to their records. */
export function deadLetterDeps(): DeadLetterDeps {
  if (letters) return letters;
  const { TABLE_NAME } = loadConfig(TableEnv);
  const links = new ExecutionLinkStore(documents, TABLE_NAME);
  letters = {
    letters: new DeadLetterStore(documents, TABLE_NAME),
    start: (workflow, name, input, record) =>
      startWorkflow(links, { workflow, name, input, ...(record ? { record } : {}) }),
    now: () => new Date(),
  };
  return letters;
}
