/**
 * Idempotency-Key for the routes that create things, through Powertools idempotency with its
 * DynamoDB persistence layer. Kept apart from the shared HTTP wrapper so only the handlers that
 * use it load it.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { loadConfig } from '#platform/config';
import { dynamodb } from '#store/dynamodb';
import type { HttpMiddleware } from './http.ts';

let idempotencyMiddleware: HttpMiddleware | undefined;

export function idempotency(): HttpMiddleware {
  if (idempotencyMiddleware) return idempotencyMiddleware;
  const config = loadConfig(z.object({ IDEMPOTENCY_TABLE_NAME: z.string().min(1) }));
  const inner = makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE_NAME,
      awsSdkV3Client: dynamodb,
    }),
    config: new IdempotencyConfig({
      // Keyed per caller, method and concrete path (not the route template): two clients' keys
      // never collide, and one key reused on another record (POST /v1/quotes/A/submit, then
      // …/B/submit) is a new request, not a replay of A's answer. No header, no idempotency.
      eventKeyJmesPath:
        'headers."idempotency-key" && [headers."idempotency-key", requestContext.authorizer.lambda.principalId, requestContext.http.method, rawPath]',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 60 * 60,
      hashFunction: 'sha256',
      responseHook: (response) => {
        const result = response as APIGatewayProxyStructuredResultV2;
        return {
          ...result,
          headers: { ...result.headers, 'idempotent-replayed': 'true' },
        } as typeof response;
      },
    }),
  }) as HttpMiddleware;
  // Powertools 2.35's middleware deletes the idempotency record in onError even when its own
  // `before` refused the request (key in progress, or reused with another body), so the
  // original's lock or stored response vanished and the next retry ran again
  // (powertools-lambda-typescript#5675, fixed upstream after 2.35). A request whose `before`
  // threw never owned the record: skip the delete for it.
  const refused = new WeakSet<object>();
  idempotencyMiddleware = {
    before: async (request) => {
      try {
        return await inner.before?.(request);
      } catch (error) {
        refused.add(request);
        throw error;
      }
    },
    ...(inner.after ? { after: inner.after } : {}),
    onError: async (request) => {
      if (!refused.has(request)) await inner.onError?.(request);
    },
  };
  return idempotencyMiddleware;
}
