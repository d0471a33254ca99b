import { openingSchedule } from '../domain/step-timer.ts';
import type { FlowDeps } from '../ports.ts';
import { loadRun } from './approval-flow.ts';

export interface LoadStepInput {
  approvalId: string;
  stepIndex: number;
}

export interface LoadedStep extends LoadStepInput {
  round: 0;
  /** How long Request Decisions waits before its first timeout (workflow seconds). */
  timeoutSeconds: number;
  done: boolean;
  outcome?: 'approved' | 'rejected';
}

/**
 * Opens the next step the quote enters, from `stepIndex` on.
 * 1. A run no longer pending (recalled) has nothing left to open: done.
 * 2. Steps whose entry condition did not hold at submit are skipped, as are steps already
 *    approved (a retried invocation); a step already rejected or expired ends the run rejected.
 * 3. The first step still waiting opens — conditional on it waiting, so a retry opens it once —
 *    with its timer (./step-timer.ts): the answer says how long to wait for decisions.
 * 4. Past the last step, every step the quote entered approved: done, approved.
 */
export async function loadStep(
  deps: Pick<FlowDeps, 'approvals' | 'now'>,
  input: LoadStepInput,
): Promise<LoadedStep> {
  const run = await loadRun(deps.approvals, input.approvalId);
  const done = (outcome?: 'approved' | 'rejected'): LoadedStep => ({
    ...input,
    round: 0,
    timeoutSeconds: 1,
    done: true,
    ...(outcome ? { outcome } : {}),
  });
  if (run.status !== 'pending') return done();

  for (let index = input.stepIndex; index < run.stepCount; index++) {
    let step = await deps.approvals.step(run.id, index);
    if (!step) throw new Error(`Approval run ${run.id} has no step ${index}`);
    const schedule = openingSchedule(step.timeout, run.linkValidityHours);
    if (step.status === 'waiting') {
      await deps.approvals.setStepFields(
        run.id,
        index,
        { status: 'open', openedAt: deps.now().toISOString(), timer: schedule.timer },
        'waiting',
      );
      // Read again: this call opened it, or a retried one did, or a decision settled it since.
      step = (await deps.approvals.step(run.id, index)) ?? step;
    }
    switch (step.status) {
      case 'open':
        return { ...input, stepIndex: index, round: 0, timeoutSeconds: schedule.timeoutSeconds, done: false };
      case 'skipped':
      case 'approved':
        continue;
      case 'rejected':
      case 'expired':
        return { ...done('rejected'), stepIndex: index };
      default:
        throw new Error(`Step ${index} of approval run ${run.id} could not be opened (${step.status})`);
    }
  }
  return { ...done('approved'), stepIndex: run.stepCount };
}
