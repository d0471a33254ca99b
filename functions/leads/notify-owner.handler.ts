import { taskHandler } from '../shared/workflow-task.ts';
import { FollowUpStateInput } from './follow-up-input.ts';
import { notifyDeps } from './lead-deps.ts';
import { notifyOwner } from './notify-owner.use-case.ts';

export const handler = taskHandler(FollowUpStateInput, (input) => notifyOwner(notifyDeps(), input), {
  correlationId: (input) => input.leadId,
});
