/**
 * Replies to approval SMS. Two-way SMS (AWS End User Messaging) publishes each inbound message to
 * an SNS topic as JSON — originationNumber, destinationNumber, messageKeyword, messageBody,
 * inboundMessageId, previousPublishedMessageId — and the topic invokes this function. Locally the
 * SMS stand-in delivers replies the same way.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { logger, publishMetrics, tracer } from '#platform/observability';
import { smsDecisionDeps } from './messaging.wiring.ts';
import { handleInboundSms } from './use-cases/inbound-sms.use-case.ts';

const InboundMessage = z.object({
  originationNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
  destinationNumber: z.string().optional(),
  messageBody: z.string().max(1600),
  inboundMessageId: z.string().optional(),
});

export const handler = middy<SNSEvent, void>()
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event) => {
    for (const record of event.Records ?? []) {
      let json: unknown;
      try {
        json = JSON.parse(record.Sns.Message);
      } catch {
        json = undefined;
      }
      const message = InboundMessage.safeParse(json);
      if (!message.success) {
        // Not a two-way SMS message: retrying cannot help, so it is logged and dropped.
        logger.warn('inbound SMS message not understood', { messageId: record.Sns.MessageId });
        continue;
      }
      const outcome = await handleInboundSms(smsDecisionDeps(), {
        from: message.data.originationNumber,
        body: message.data.messageBody,
      });
      logger.info('inbound SMS handled', { outcome, inboundMessageId: message.data.inboundMessageId });
    }
  });
