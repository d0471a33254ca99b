/**
 * What the executions use cases share: Step Functions (through the reader), the links between
 * executions and records, the workflows this function may read, and how an execution is shown.
 */

import { workflowArns } from '#connectors/stepfunctions/client';
import {
  type ExecutionReader,
  type ListedExecution,
  stepFunctionsReader,
} from '#connectors/stepfunctions/execution-reader';
import { loadConfig, TableEnv } from '#platform/config';
import type { ExecutionSummary, RecordRef } from '#schemas/execution';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore, type RecordKey } from '#store/execution-links';
import { RECORD_CATALOGUE, type RecordTypeName } from '../records/record-catalogue.ts';
import { executionId } from './execution-id.ts';

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

export const isRecordType = (type: string): type is RecordTypeName => Object.hasOwn(RECORD_CATALOGUE, type);

export function recordRef(record: RecordKey): RecordRef | undefined {
  if (!isRecordType(record.type)) return undefined;
  return {
    type: record.type,
    id: record.id,
    href: `/v1/${RECORD_CATALOGUE[record.type].collection}/${record.id}`,
  };
}

export function summaryOf(
  workflow: string,
  execution: ListedExecution,
  record: RecordKey | undefined,
): ExecutionSummary {
  const id = executionId(workflow, execution.name);
  const ref = record ? recordRef(record) : undefined;
  return {
    id,
    workflow,
    name: execution.name,
    executionArn: execution.executionArn,
    status: execution.status as ExecutionSummary['status'],
    startedAt: execution.startDate.toISOString(),
    ...(execution.stopDate
      ? {
          stoppedAt: execution.stopDate.toISOString(),
          durationMs: Math.max(0, execution.stopDate.getTime() - execution.startDate.getTime()),
        }
      : {}),
    ...(ref ? { record: ref } : {}),
    href: `/v1/executions/${encodeURIComponent(id)}`,
  };
}
