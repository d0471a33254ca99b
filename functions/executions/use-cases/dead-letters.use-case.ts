/**
 * Dead letters: executions that stopped for good, and what an admin does about them.
 *
 * recordDeadLetter (a flow's last Catch, before its Fail state): keeps the state the flow failed
 * in, the error and the record it ran for; once per execution however often the task is retried.
 *
 * replayDeadLetter (POST /v1/admin/dead-letters/{id}/replay): a new execution of the same
 * workflow from that state — `{record id}-r{n}`, tied to the record, so the record's executions
 * list it — and the replay noted on the letter with who asked. The flows' tasks are idempotent
 * (the order-to-cash flow resumes past what it has done: workflows/order-to-cash.asl.json), so a
 * replay never does twice what the failed run did. A letter changed meanwhile (two admins at
 * once) is a 409; a replay that fails again makes a dead letter of its own.
 *
 * discardDeadLetter: dealt with otherwise (fixed by hand); kept, with who and why.
 */
import { DeadLetterListQuery, type DeadLetterView, DiscardDeadLetterInput } from '#schemas/dead-letter';
import type { DeadLetter } from '#store/dead-letters';
import { DeadLetterMovedError } from '#store/dead-letters';
import type { ChangeSource } from '../../records/ports.ts';
import { conflict, NotFound, parseOrThrow } from '../../shared/errors.ts';
import { executionId, parseExecutionId } from '../domain/execution-id.ts';
import type { DeadLetterDeps } from '../ports.ts';

export interface FailedState {
  workflow: string;
  execution: string;
  record?: { type: string; id: string };
  /** The flow's state, with the Catch's `error` ({Error, Cause}) in it. */
  state: Record<string, unknown>;
}

export async function recordDeadLetter(deps: DeadLetterDeps, failed: FailedState): Promise<void> {
  const { error: caught, ...state } = failed.state;
  const error = caught as { Error?: string; Cause?: string } | undefined;
  await deps.letters.record({
    workflow: failed.workflow,
    execution: failed.execution,
    ...(failed.record ? { record: failed.record } : {}),
    state,
    error: error?.Error ?? 'Unknown',
    ...(error?.Cause ? { cause: error.Cause.slice(0, 4000) } : {}),
    failedAt: deps.now().toISOString(),
  });
}

export function deadLetterView(letter: DeadLetter): DeadLetterView {
  return {
    id: executionId(letter.workflow, letter.execution),
    workflow: letter.workflow,
    ...(letter.record ? { record: letter.record } : {}),
    error: letter.error,
    ...(letter.cause ? { cause: letter.cause } : {}),
    failedAt: letter.failedAt,
    status: letter.status,
    state: letter.state,
    replays: letter.replays.map((r) => ({ ...r, execution: executionId(letter.workflow, r.execution) })),
    ...(letter.discarded ? { discarded: letter.discarded } : {}),
  };
}

export async function listDeadLetters(deps: DeadLetterDeps, query: unknown) {
  const { limit, cursor, status, workflow } = parseOrThrow(DeadLetterListQuery, query);
  const page = await deps.letters.list({
    limit,
    ...(cursor ? { cursor } : {}),
    ...(status ? { status } : {}),
    ...(workflow ? { workflow } : {}),
  });
  return { items: page.items.map(deadLetterView), nextCursor: page.nextCursor };
}

async function load(deps: DeadLetterDeps, id: string): Promise<DeadLetter> {
  const key = parseExecutionId(id);
  const letter = key ? await deps.letters.get(key.workflow, key.name) : undefined;
  if (!letter) throw new NotFound(`No dead letter ${id}`);
  return letter;
}

export const getDeadLetter = async (deps: DeadLetterDeps, id: string) => deadLetterView(await load(deps, id));

/** The name of the n-th replay: of the record when there is one (`ord_…-r2`), else of the failed execution. */
function replayName(letter: DeadLetter, n: number): string {
  const base = (letter.record?.id ?? letter.execution).replace(/-r\d+$/, '');
  return `${base}-r${n}`.slice(-80);
}

export async function replayDeadLetter(deps: DeadLetterDeps, id: string, source: ChangeSource) {
  const letter = await load(deps, id);
  if (letter.status === 'discarded')
    throw conflict('dead-letter-discarded', 'Dead letter discarded', `Dead letter ${id} was discarded.`);
  const name = replayName(letter, letter.replays.length + 1);
  // Claim the replay first: a second admin's click loses here, before a second execution starts.
  try {
    await deps.letters.addReplay(letter, { at: deps.now().toISOString(), by: source.actor, execution: name });
  } catch (error) {
    if (error instanceof DeadLetterMovedError)
      throw conflict(
        'dead-letter-moved',
        'Dead letter changed',
        `Dead letter ${id} was replayed or discarded meanwhile.`,
      );
    throw error;
  }
  await deps.start(letter.workflow, name, letter.state, letter.record);
  return deadLetterView(await load(deps, id));
}

export async function discardDeadLetter(
  deps: DeadLetterDeps,
  id: string,
  body: unknown,
  source: ChangeSource,
) {
  const { reason } = parseOrThrow(DiscardDeadLetterInput, body);
  const letter = await load(deps, id);
  if (letter.status === 'discarded') return deadLetterView(letter);
  try {
    await deps.letters.discard(letter, { at: deps.now().toISOString(), by: source.actor, reason });
  } catch (error) {
    if (error instanceof DeadLetterMovedError)
      throw conflict(
        'dead-letter-moved',
        'Dead letter changed',
        `Dead letter ${id} was replayed or discarded meanwhile.`,
      );
    throw error;
  }
  return deadLetterView(await load(deps, id));
}
