import { taskHandler } from '../shared/workflow-task.ts';
import { FollowUpStateInput } from './follow-up-input.ts';
import { notifyOwner } from './use-cases/notify-owner.use-case.ts';
import { notifyDeps } from './wiring.ts';

export const handler = taskHandler(FollowUpStateInput, (input) => notifyOwner(notifyDeps(), input), {
  correlationId: (input) => input.leadId,
});
