/**
 * A run as clients see it: what a UI shows about a quote's approval. Built field by field from
 * what is stored, so nothing secret — link hashes, nonces, reply codes, task tokens, the
 * decisions' IP addresses — can slip into an answer by being added to a stored item later.
 */
import type { ApprovalRunView } from '#schemas/approval-run';
import type { ApprovalRun, ApprovalStep } from '#store/approval-store';
import type { ApprovalRuns } from '../ports.ts';
import type { FlowRequest } from '../use-cases/approval-flow.ts';

const person = (p: { userId: string; name: string }) => ({ userId: p.userId, name: p.name });

export function runView(run: ApprovalRun, steps: ApprovalStep[], requests: FlowRequest[]): ApprovalRunView {
  const ordered = [...steps].sort((a, b) => a.index - b.index);
  return {
    id: run.id,
    quoteId: run.quoteId,
    status: run.status,
    policy: run.policy ? { id: run.policy.id, version: run.policy.version, name: run.policy.name } : null,
    policyWhy: run.policyWhy ?? [],
    ...(run.facts ? { facts: run.facts } : {}),
    submittedBy: person(run.submittedBy),
    submittedAt: run.submittedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    ...(run.finishReason ? { finishReason: run.finishReason } : {}),
    currentStep: run.status === 'pending' ? (ordered.find((s) => s.status === 'open')?.index ?? null) : null,
    steps: ordered.map((step) => ({
      index: step.index,
      name: step.name,
      status: step.status,
      applies: step.applies ?? step.status !== 'skipped',
      why: step.why ?? [],
      mode: step.mode as 'any' | 'all' | 'quorum',
      required: step.required,
      ...(step.timeout
        ? {
            timeout: {
              afterHours: step.timeout.afterHours,
              action: step.timeout.action,
              maxReminders: step.timeout.maxReminders,
              ...(step.timeout.reminderEveryHours !== undefined
                ? { reminderEveryHours: step.timeout.reminderEveryHours }
                : {}),
            },
          }
        : {}),
      approvers: (step.approvers ?? []).map((a) => ({
        ...person(a),
        reason: a.reason,
        ...(a.onBehalfOf ? { onBehalfOf: person(a.onBehalfOf) } : {}),
      })),
      unresolved: step.unresolved ?? [],
      ...(step.openedAt ? { openedAt: step.openedAt } : {}),
      ...(step.settledAt ? { settledAt: step.settledAt } : {}),
      reminders: step.reminders,
      escalations: step.escalations,
      requests: requests
        .filter((r) => r.stepIndex === step.index)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((r) => ({
          approverId: r.approverId,
          approverName: r.approverName,
          ...(r.onBehalfOf ? { onBehalfOf: person(r.onBehalfOf) } : {}),
          reason: r.reason,
          status: r.status,
          ...(r.closedReason ? { closedReason: r.closedReason } : {}),
          ...(r.decision ? { decision: r.decision } : {}),
          ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
          createdAt: r.createdAt,
          expiresAt: r.expiresAt,
          channels: r.channels ?? [],
        })),
      decisions: step.decisions.map((d) => ({
        approverId: d.approverId,
        approverName: d.approverName,
        ...(d.onBehalfOf ? { onBehalfOf: person(d.onBehalfOf) } : {}),
        decision: d.decision,
        ...(d.comment ? { comment: d.comment } : {}),
        at: d.at,
        channel: d.channel,
      })),
    })),
  };
}

/** The view of a stored run, read whole. */
export async function loadRunView(
  approvals: Pick<ApprovalRuns, 'steps' | 'requests'>,
  run: ApprovalRun,
): Promise<ApprovalRunView> {
  const [steps, requests] = await Promise.all([approvals.steps(run.id), approvals.requests(run.id)]);
  return runView(run, steps, requests as FlowRequest[]);
}
