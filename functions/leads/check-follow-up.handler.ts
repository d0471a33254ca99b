import { taskHandler } from '../shared/workflow-task.ts';
import { FollowUpStateInput } from './follow-up-input.ts';
import { checkFollowUp } from './use-cases/check-follow-up.use-case.ts';
import { leadDeps } from './wiring.ts';

export const handler = taskHandler(FollowUpStateInput, (input) => checkFollowUp(leadDeps(), input), {
  correlationId: (input) => input.leadId,
});
