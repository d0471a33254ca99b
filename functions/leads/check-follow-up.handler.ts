import { taskHandler } from '../shared/workflow-task.ts';
import { checkFollowUp } from './check-follow-up.use-case.ts';
import { FollowUpStateInput } from './follow-up-input.ts';
import { leadDeps } from './lead-deps.ts';

export const handler = taskHandler(FollowUpStateInput, (input) => checkFollowUp(leadDeps(), input), {
  correlationId: (input) => input.leadId,
});
