import {
  type ExecutionReader,
  ExecutionsNotKept,
  ExpiredPageTokenError,
  type ListedExecution,
} from '#connectors/stepfunctions/execution-reader';
import { ExecutionListQuery, type ExecutionSummary, RECORD_FILTER } from '#schemas/execution';
import { InvalidCursorError } from '#store/errors';
import type { Page } from '#store/record-store';
import { RECORD_CATALOGUE } from '../../records/domain/record-catalogue.ts';
import { InvalidRequest } from '../../shared/errors.ts';
import { invalidQuery, withCursor } from '../../shared/paging.ts';
import {
  decodeRecordCursor,
  decodeWorkflowsCursor,
  encodeCursor,
  filterFingerprint,
  type Position,
} from '../domain/execution-cursor.ts';
import type { ExecutionDeps } from '../ports.ts';
import { isRecordType, summaryOf } from './execution-service.ts';

/** DescribeExecution calls in flight at once when listing a record's executions. */
const DESCRIBE_CONCURRENCY = 8;

const queryProblem = (pointer: string, detail: string) =>
  new InvalidRequest('invalid-query', 'Invalid query', `The query string is invalid: ${detail}`, {
    errors: [{ pointer, detail, code: 'invalid_value' }],
  });

/**
 * Lists workflow executions, newest first, one page at a time.
 * 1. Validate the query: limit, cursor, workflow (one this function may read), status, record
 *    (`type:id` of a known record type); unknown parameters refused.
 * 2. With `record`: Query the record's execution links (its own partition, newest first), then
 *    DescribeExecution each for status and dates; `workflow` narrows the Query, `status` the
 *    answers (a page may come back short; the cursor resumes after the last link read).
 * 3. Otherwise: ListExecutions on each workflow's state machine (with `status` as its
 *    statusFilter), merged newest first; one BatchGetItem finds the records of the page.
 * Never a Scan: every read is a Query, a GetItem or a Step Functions list by state machine.
 */
export async function listExecutions(
  deps: ExecutionDeps,
  query: Record<string, string>,
): Promise<Page<ExecutionSummary>> {
  const parsed = ExecutionListQuery.safeParse(query);
  if (!parsed.success)
    throw invalidQuery(parsed.error, 'The query string is invalid; filters here: workflow, status, record.');
  const { limit, cursor, workflow, status, record: recordFilter } = parsed.data;
  if (workflow !== undefined && !deps.workflows.has(workflow))
    throw queryProblem(
      '/workflow',
      `no workflow "${workflow}"; known: ${[...deps.workflows.keys()].sort().join(', ') || 'none'}`,
    );
  const fingerprint = filterFingerprint([workflow, status, recordFilter]);

  if (recordFilter !== undefined) {
    const [, type = '', id = ''] = RECORD_FILTER.exec(recordFilter) ?? [];
    if (!isRecordType(type))
      throw queryProblem(
        '/record',
        `"${type}" is not a record type; one of ${Object.keys(RECORD_CATALOGUE).join(', ')}`,
      );
    if (!id.startsWith(`${RECORD_CATALOGUE[type].idPrefix}_`))
      throw queryProblem('/record', `"${id}" is not a ${type} id (${RECORD_CATALOGUE[type].idPrefix}_…)`);
    return withCursor(() => byRecord(deps, { type, id }, { limit, workflow, status, cursor, fingerprint }));
  }
  const workflows = workflow ? [workflow] : [...deps.workflows.keys()].sort();
  return withCursor(() => acrossWorkflows(deps, workflows, { limit, status, cursor, fingerprint }));
}

async function byRecord(
  deps: ExecutionDeps,
  record: { type: string; id: string },
  options: { limit: number; workflow?: string; status?: string; cursor?: string; fingerprint: string },
): Promise<Page<ExecutionSummary>> {
  const inner = options.cursor ? decodeRecordCursor(options.cursor, options.fingerprint) : undefined;
  const links = await deps.links.forRecord(record, {
    limit: options.limit,
    ...(options.workflow ? { workflow: options.workflow } : {}),
    ...(inner ? { cursor: inner } : {}),
  });
  const described = await mapConcurrently(links.items, DESCRIBE_CONCURRENCY, (link) =>
    // A link to a workflow this function is not given, or to an execution that never started
    // (or that Step Functions no longer keeps), has nothing to show.
    deps.workflows.has(link.workflow) ? deps.reader.describe(link.executionArn) : Promise.resolve(undefined),
  );
  const items = links.items.flatMap((link, i) => {
    const execution = described[i];
    if (!execution || (options.status && execution.status !== options.status)) return [];
    return [summaryOf(link.workflow, execution, record)];
  });
  return {
    items,
    nextCursor: links.nextCursor ? encodeCursor({ f: options.fingerprint, k: links.nextCursor }) : null,
  };
}

async function acrossWorkflows(
  deps: ExecutionDeps,
  workflows: readonly string[],
  options: { limit: number; status?: string; cursor?: string; fingerprint: string },
): Promise<Page<ExecutionSummary>> {
  const positions = options.cursor
    ? decodeWorkflowsCursor(options.cursor, options.fingerprint, workflows)
    : {};
  const streams = workflows.map(
    (workflow) =>
      new WorkflowStream(
        workflow,
        deps.workflows.get(workflow) as string,
        // A workflow the cursor does not know (added since) starts from its newest execution.
        Object.hasOwn(positions, workflow) ? (positions[workflow] as Position) : {},
        deps.reader,
        { pageSize: deps.listPageSize, status: options.status, explicit: workflows.length === 1 },
      ),
  );
  const taken: { workflow: string; execution: ListedExecution }[] = [];
  while (taken.length < options.limit) {
    const heads = await Promise.all(streams.map((stream) => stream.head()));
    let best = -1;
    for (const [i, head] of heads.entries()) {
      if (!head) continue;
      const current = best >= 0 ? heads[best] : undefined;
      // Newest first; equal start times keep the workflows' alphabetical order.
      if (!current || head.startDate.getTime() > current.startDate.getTime()) best = i;
    }
    if (best < 0) break;
    const stream = streams[best] as WorkflowStream;
    taken.push({ workflow: stream.workflow, execution: stream.take() });
  }
  const records = await deps.links.recordsOf(
    taken.map(({ workflow, execution }) => ({ workflow, name: execution.name })),
  );
  const items = taken.map(({ workflow, execution }) =>
    summaryOf(workflow, execution, records.get(`${workflow}#${execution.name}`)),
  );
  const next = Object.fromEntries(streams.map((stream) => [stream.workflow, stream.position()]));
  const more = await Promise.all(streams.map((stream) => stream.hasMore()));
  return {
    items,
    nextCursor: more.some(Boolean) ? encodeCursor({ f: options.fingerprint, w: next }) : null,
  };
}

/** One state machine's executions, newest first, read page by page from a saved position. */
class WorkflowStream {
  private items: ListedExecution[] = [];
  private index = 0;
  private loaded = false;
  private exhausted: boolean;
  private pageToken: string | undefined;
  private nextToken: string | undefined;
  private resumeAfter: { d?: number; a?: string } | undefined;
  /** The saved marker, while the page it was saved on is the current one. */
  private resumeAfterOfThisPage: { d?: number; a?: string } = {};
  private lastTaken: ListedExecution | undefined;

  constructor(
    readonly workflow: string,
    private readonly stateMachineArn: string,
    private readonly start: Position,
    private readonly reader: ExecutionReader,
    private readonly options: { pageSize: number; status?: string | undefined; explicit: boolean },
  ) {
    this.exhausted = start === null;
    this.pageToken = start?.t;
    this.resumeAfter = start?.d !== undefined || start?.a !== undefined ? { ...start } : undefined;
  }

  async head(): Promise<ListedExecution | undefined> {
    for (;;) {
      if (this.exhausted) return undefined;
      if (!this.loaded) await this.load();
      if (this.exhausted) return undefined;
      if (this.index < this.items.length) return this.items[this.index];
      if (!this.nextToken) {
        this.exhausted = true;
        return undefined;
      }
      this.pageToken = this.nextToken;
      this.loaded = false;
    }
  }

  take(): ListedExecution {
    const item = this.items[this.index++] as ListedExecution;
    this.lastTaken = item;
    return item;
  }

  async hasMore(): Promise<boolean> {
    return (await this.head()) !== undefined;
  }

  /** Where the next page resumes this stream. Call after hasMore(). */
  position(): Position {
    if (this.exhausted) return null;
    if (!this.loaded) return this.start;
    const marker = this.lastTaken
      ? { d: this.lastTaken.startDate.getTime(), a: this.lastTaken.executionArn }
      : this.resumeAfterOfThisPage;
    return { ...(this.pageToken ? { t: this.pageToken } : {}), ...marker };
  }

  private async load() {
    let page: { items: ListedExecution[]; nextToken?: string };
    try {
      page = await this.reader.list(this.stateMachineArn, {
        maxResults: this.options.pageSize,
        ...(this.options.status ? { status: this.options.status } : {}),
        ...(this.pageToken ? { nextToken: this.pageToken } : {}),
      });
    } catch (error) {
      if (error instanceof ExpiredPageTokenError) throw new InvalidCursorError(error.message);
      if (!(error instanceof ExecutionsNotKept)) throw error;
      if (this.options.explicit)
        throw queryProblem(
          '/workflow',
          `"${this.workflow}" is an Express workflow: Step Functions keeps no list of its executions`,
        );
      this.exhausted = true;
      return;
    }
    this.items = page.items;
    this.nextToken = page.nextToken;
    this.loaded = true;
    this.lastTaken = undefined;
    this.index = 0;
    this.resumeAfterOfThisPage = {};
    const after = this.resumeAfter;
    this.resumeAfter = undefined;
    if (after) {
      this.resumeAfterOfThisPage = after;
      const at = after.a ? this.items.findIndex((item) => item.executionArn === after.a) : -1;
      if (at >= 0) this.index = at + 1;
      else if (after.d !== undefined) {
        // The last one taken is gone from this page (it changed status, or expired): resume at
        // the first execution that started before it.
        const older = this.items.findIndex((item) => item.startDate.getTime() < (after.d as number));
        this.index = older < 0 ? this.items.length : older;
      }
    }
  }
}

async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
