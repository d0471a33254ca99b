/**
 * What the executions use cases share: how an execution and the record it runs for are shown
 * (ports in ../ports.ts, wiring in ../wiring.ts).
 */
import type { ListedExecution } from '#connectors/stepfunctions/execution-reader';
import type { ExecutionSummary, RecordRef } from '#schemas/execution';
import type { RecordKey } from '#store/execution-links';
import { RECORD_CATALOGUE, type RecordTypeName } from '../../records/domain/record-catalogue.ts';
import { executionId } from '../domain/execution-id.ts';

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
