import * as z from 'zod';
import { logger } from '#platform/observability';
import { queueConsumer } from '../shared/batch-consumer.ts';
import { deliver } from './use-cases/deliver.use-case.ts';
import { webhookDeps } from './wiring.ts';

const Message = z.object({ endpointId: z.string(), eventId: z.string() });

/** The deliveries queue's consumer: one attempt per message; what comes next the attempt decides. */
export const handler = queueConsumer(async (body) => {
  const message = Message.safeParse(body);
  if (!message.success) return logger.error('dropping a delivery message without its ids', { body });
  await deliver(webhookDeps(), message.data.endpointId, message.data.eventId);
});
