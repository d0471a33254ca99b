/**
 * What the executions use cases need: Step Functions reads, the links between executions and
 * records, the workflows this function may read, a clock.
 */
import type { ExecutionReader } from '#connectors/stepfunctions/execution-reader';
import type { DeadLetterStore } from '#store/dead-letters';
import type { ExecutionLinkStore } from '#store/execution-links';

export type ExecutionLinks = Pick<ExecutionLinkStore, 'recordOf' | 'recordsOf' | 'forRecord' | 'callbacks'>;

export interface ExecutionDeps {
  reader: ExecutionReader;
  links: ExecutionLinks;
  /** Workflow name → state machine ARN: the workflows this function was given. */
  workflows: ReadonlyMap<string, string>;
  /** Executions read per ListExecutions call (Step Functions allows up to 1000). */
  listPageSize: number;
  now: () => Date;
}

/** Dead letters and how a replay starts a workflow (tied to its record, as every start is). */
export interface DeadLetterDeps {
  letters: Pick<DeadLetterStore, 'record' | 'get' | 'list' | 'addReplay' | 'discard'>;
  start(
    workflow: string,
    name: string,
    input: Record<string, unknown>,
    record?: { type: string; id: string },
  ): Promise<unknown>;
  now: () => Date;
}
