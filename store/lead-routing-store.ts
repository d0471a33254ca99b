/**
 * What lead routing keeps beside the lead records, in the single table:
 *
 *   match key     pk `LEADMATCH#{email|phone}#{normalised value}`  sk `LEADMATCH`   the open lead that person is
 *   ticket        pk `ROUTING#{queue id | territory#name}`        sk `TICKET`      round-robin turn counter
 *
 * Match keys make dedupe safe under concurrency: a lead is created in the same transaction as its
 * keys, each conditioned on being free (or held by a lead that is no longer open), so of two
 * submissions racing with one email exactly one creates a lead and the other meets the key and
 * merges. Keys are hints checked on read: a lead converted, disqualified, archived or edited to
 * another email leaves its key behind, and the next lead takes the key over.
 *
 * Tickets make round-robin fair under concurrency: each routing decision takes the next number
 * with an atomic ADD (no read-modify-write, so no lost turns and no retries), and the n-th ticket
 * goes to the (n mod members)-th available rep.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type DocumentTransactItem, lookupPartition, recordKey } from './record-store.ts';
import { INDEXES, KEY } from './table-design.ts';

export type MatchKind = 'email' | 'phone';

const matchKey = (kind: MatchKind, value: string) => ({
  [KEY.pk]: `LEADMATCH#${kind}#${value.toLowerCase()}`,
  [KEY.sk]: 'LEADMATCH',
});
const ticketKey = (counter: string) => ({ [KEY.pk]: `ROUTING#${counter}`, [KEY.sk]: 'TICKET' });

export class LeadRoutingStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The lead a match key points at, if any (strongly consistent: a race just lost must be seen). */
  async matchHolder(kind: MatchKind, value: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: matchKey(kind, value), ConsistentRead: true }),
    );
    return typeof Item?.leadId === 'string' ? Item.leadId : undefined;
  }

  /**
   * The write that points a match key at a lead, for the lead's create transaction: it fails the
   * transaction when another lead holds the key, unless that is `staleHolder` (found no longer open).
   */
  claimMatch(kind: MatchKind, value: string, leadId: string, staleHolder?: string): DocumentTransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...matchKey(kind, value), entity: 'lead-match', leadId },
        ConditionExpression: staleHolder
          ? 'attribute_not_exists(#pk) OR leadId = :stale'
          : 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ...(staleHolder ? { ExpressionAttributeValues: { ':stale': staleHolder } } : {}),
      },
    };
  }

  /**
   * Points a free match key at a lead, outside any transaction (a lead edited or merged to a new
   * email or phone). Answers false, changing nothing, when another lead holds the key.
   */
  async claimIfFree(kind: MatchKind, value: string, leadId: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...matchKey(kind, value), entity: 'lead-match', leadId },
          ConditionExpression: 'attribute_not_exists(#pk) OR leadId = :lead',
          ExpressionAttributeNames: { '#pk': KEY.pk },
          ExpressionAttributeValues: { ':lead': leadId },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Takes the next round-robin ticket of a counter: 0, 1, 2 … each number once, however many race. */
  async takeTicket(counter: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ticketKey(counter),
        UpdateExpression: 'ADD #next :one SET #entity = :entity',
        ExpressionAttributeNames: { '#next': 'next', '#entity': 'entity' },
        ExpressionAttributeValues: { ':one': 1, ':entity': 'routing-ticket' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.next ?? 1) - 1;
  }

  /** The ticket the next takeTicket would answer, without taking it (dry runs). */
  async peekTicket(counter: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: ticketKey(counter), ConsistentRead: true }),
    );
    return Number(Item?.next ?? 0);
  }

  /**
   * How many open, live leads a user owns: one Query of the byOwner index, counted by DynamoDB.
   * The index is eventually consistent on AWS; see docs/lead-routing.md for what that means for
   * least-loaded routing and capacity under bursts.
   */
  async openLeadCount(ownerId: string, openStatuses: readonly string[]): Promise<number> {
    const index = INDEXES.byOwner;
    const statuses = Object.fromEntries(openStatuses.map((s, i) => [`:s${i}`, s]));
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#ipk = :ipk',
          FilterExpression: `#status IN (${Object.keys(statuses).join(', ')}) AND #archived = :false`,
          ExpressionAttributeNames: { '#ipk': index.pk, '#status': 'status', '#archived': 'archived' },
          ExpressionAttributeValues: { ':ipk': `lead#${ownerId}`, ':false': false, ...statuses },
          Select: 'COUNT',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /**
   * The first live contact (oldest first) with this email or phone, if any: one Query per value on
   * the contacts' lookup keys (store/record-store.ts), then the few records they name — never a
   * read of every contact, so an anonymous form post costs the same however many contacts exist.
   */
  async findContact(match: { email?: string; phone?: string }): Promise<Record<string, unknown> | undefined> {
    const queries = (['email', 'phone'] as const).flatMap((field) =>
      match[field] ? [lookupPartition('contact', field, match[field] as string)] : [],
    );
    const ids = new Set<string>();
    for (const partition of queries) {
      const { Items } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': KEY.pk },
          ExpressionAttributeValues: { ':pk': partition },
          Limit: 25,
        }),
      );
      for (const item of Items ?? []) if (typeof item.recordId === 'string') ids.add(item.recordId);
    }
    for (const id of [...ids].sort()) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: recordKey('contact', id) }),
      );
      if (Item && Item.archived !== true) return Item;
    }
    return undefined;
  }
}
