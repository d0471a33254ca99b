import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#platform/observability';
import { inboundReceiveDeps } from './inbound.wiring.ts';
import { sweep } from './use-cases/sweep.use-case.ts';
import { webhookDeps } from './wiring.ts';

/** Every minute (an EventBridge rule; the local hub's timer): puts back on the queues what is due and not there. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const { inbound, inboundQueue } = inboundReceiveDeps();
    const swept = await sweep({ ...webhookDeps(), inbound, inboundQueue });
    if (swept.deliveries || swept.inbound) logger.info('queued again', swept);
    return swept;
  });
