/**
 * Task tokens a workflow waits on for a person's answer about a record (an order on credit hold
 * waits for finance), kept in the record's own partition until the answer comes:
 *
 *   pk `{type}#{id}`   sk `TASK-TOKEN#{purpose}`
 *
 * Never part of the record, so no API read returns a token. One per purpose: a new wait (a
 * reminder round after a timeout) replaces the token of the last. Items expire (TTL) after a
 * year and 90 days, as the execution links do.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

const KEEP_SECONDS = (365 + 90) * 24 * 3600;

export interface RecordRef {
  type: string;
  id: string;
}

export class TaskTokenStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  private key(record: RecordRef, purpose: string) {
    return { [KEY.pk]: `${record.type}#${record.id}`, [KEY.sk]: `TASK-TOKEN#${purpose}` };
  }

  async keep(record: RecordRef, purpose: string, taskToken: string, now = new Date()): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(record, purpose),
          entity: 'task-token',
          taskToken,
          keptAt: now.toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
        },
      }),
    );
  }

  /** The token last kept for this record and purpose, if any. */
  async find(record: RecordRef, purpose: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(record, purpose), ConsistentRead: true }),
    );
    return typeof Item?.taskToken === 'string' ? Item.taskToken : undefined;
  }
}
