import * as z from 'zod';
import { logger } from '#platform/observability';
import { queueConsumer } from '../shared/batch-consumer.ts';
import { inboundProcessDeps } from './inbound-apply.wiring.ts';
import { processInbound } from './use-cases/inbound.use-case.ts';

const Message = z.object({ inboundId: z.string() });

/** The inbound queue's consumer: each message processed once; a failure is retried by the queue. */
export const handler = queueConsumer(async (body) => {
  const message = Message.safeParse(body);
  if (!message.success) return logger.error('dropping an inbound message without an id', { body });
  await processInbound(inboundProcessDeps(), message.data.inboundId);
});
