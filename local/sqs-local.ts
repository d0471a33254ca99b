/**
 * The SQS stand-in: fauxqs (SQS's own API, in memory), with Junction's queues and their
 * dead-letter queues created as functions/queues.ts declares them. In memory means a hub that is
 * killed loses what was queued; nothing depends on that not happening, since everything queued is
 * also in the table and the sweeper queues again what was lost (functions/webhooks/use-cases/sweep.use-case.ts).
 */
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { QUEUES, type QueueDesign, visibilityTimeoutSeconds } from '#functions/queues';
import { LOCAL_REGION } from './lambda.ts';

export interface LocalQueue {
  design: QueueDesign;
  url: string;
  dlqUrl: string;
  /** Seconds; scaled with the hub's time. */
  visibilityTimeout: number;
}

export interface SqsStandIn {
  endpoint: string;
  client: SQSClient;
  queues: Record<keyof typeof QUEUES, LocalQueue>;
  close(): Promise<void>;
}

export async function startSqsStandIn(options: {
  host: string;
  port: number;
  timeScale: number;
}): Promise<SqsStandIn> {
  // Built and bound here rather than with startFauxqs, which listens on every interface: the hub's
  // stand-ins answer on the loopback address only.
  // Queue URLs read `http://sqs.{region}.localhost:{port}/…` (a valid URL, unlike one with an IP
  // address after the region); the SDK sends to the endpoint it is given, not to that host.
  const app = buildApp({ logger: false, host: 'localhost', defaultRegion: LOCAL_REGION });
  await app.listen({ port: options.port, host: options.host });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://${options.host}:${port}`;
  const client = new SQSClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  const queues = {} as Record<keyof typeof QUEUES, LocalQueue>;
  for (const [key, design] of Object.entries(QUEUES) as [keyof typeof QUEUES, QueueDesign][]) {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `junction-${design.name}-dlq` }));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const visibilityTimeout = Math.max(1, Math.round(visibilityTimeoutSeconds(design) / options.timeScale));
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: `junction-${design.name}`,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeout),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount: design.maxReceiveCount,
          }),
        },
      }),
    );
    queues[key] = { design, url: queue.QueueUrl ?? '', dlqUrl: dlq.QueueUrl ?? '', visibilityTimeout };
  }
  return {
    endpoint,
    client,
    queues,
    close: async () => {
      client.destroy();
      await app.close();
    },
  };
}
