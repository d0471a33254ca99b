/**
 * Fixed-window request counters in the single table, for public endpoints (web forms):
 *
 *   counter   pk `RATE#{scope}#{client}#{window start, epoch s}`   sk `RATE`   count, expiresAt (TTL)
 *
 * One conditional UpdateItem per request: it adds one while the count is below the limit and
 * fails otherwise, so concurrent requests can never overshoot the limit, and a refused request
 * does not count. DynamoDB's TTL removes old windows (it may take a while; expired windows are
 * never read again, since the key names the window).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

export type RateDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

export class RateLimits {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async hit(
    scope: string,
    client: string,
    limit: { requests: number; windowSeconds: number },
    now: Date,
  ): Promise<RateDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % limit.windowSeconds);
    const windowEnd = windowStart + limit.windowSeconds;
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [KEY.pk]: `RATE#${scope}#${client}#${windowStart}`, [KEY.sk]: 'RATE' },
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl, #entity = :entity',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE, '#entity': 'entity' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit.requests,
            // Kept a window longer than needed: TTL deletion is lazy, and the key is never reused.
            ':ttl': windowEnd + limit.windowSeconds,
            ':entity': 'rate-counter',
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { allowed: true, remaining: limit.requests - Number(Attributes?.count ?? 1) };
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException')
        return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
      throw error;
    }
  }
}
