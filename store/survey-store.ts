/**
 * Satisfaction survey links, one per closed ticket.
 *
 *   link   pk `survey-link#{hash}`  sk `LINK`   ticket, recipient, nonce, validity, answer
 *
 * Link ids are random (160 bits) and exist only in the email sent; the table holds their
 * SHA-256, so a leaked table answers no survey. Answering is a conditional update (open, nonce
 * matches, still valid → answered) in the same transaction as the rating on the ticket, so a
 * link answers once however often its form is posted. Items stay a while past their validity
 * (TTL) so a late click still gets a clear "expired" page, then DynamoDB removes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DocumentTransactItem } from './record-store.ts';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

export const hashSurveyLink = (linkId: string) => createHash('sha256').update(linkId, 'utf8').digest('hex');
export const newSurveyLinkId = () => randomBytes(20).toString('base64url');
export const newSurveyNonce = () => randomBytes(16).toString('base64url');

const linkKey = (hash: string) => ({ [KEY.pk]: `survey-link#${hash}`, [KEY.sk]: 'LINK' });
/** How long an expired or answered link is kept to explain itself. */
const KEEP_AFTER_SECONDS = 30 * 24 * 3600;

export interface SurveyLink {
  hash: string;
  ticketId: string;
  /** The ticket's subject, shown on the page. */
  subject: string;
  contactId?: string;
  /** The form's one-time nonce; the page carries it, only a POST with it answers. */
  nonce: string;
  createdAt: string;
  validUntil: string;
  status: 'open' | 'answered';
  rating?: number;
  comment?: string;
  answeredAt?: string;
}

export class SurveyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new link; a hash already taken (never, with 160 random bits) fails the write. */
  /**
   * Stores a new link, with `alongside` (the outbox entry of the email that carries it) in the
   * same transaction: if one of those cannot be written, neither is the link, and the error is
   * DynamoDB's TransactionCanceledException.
   */
  async create(link: SurveyLink, alongside: DocumentTransactItem[] = []): Promise<void> {
    const put = {
      TableName: this.tableName,
      Item: {
        ...linkKey(link.hash),
        entity: 'survey-link',
        ...link,
        [TTL_ATTRIBUTE]: Math.floor(Date.parse(link.validUntil) / 1000) + KEEP_AFTER_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    if (alongside.length === 0) {
      await this.db.send(new PutCommand(put));
      return;
    }
    await this.db.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...alongside] }));
  }

  async get(hash: string): Promise<SurveyLink | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: linkKey(hash), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _e, [TTL_ATTRIBUTE]: _ttl, ...link } = Item;
    return link as SurveyLink;
  }

  /**
   * The write that answers a link, for the transaction that puts the rating on the ticket: only
   * an open link, with this nonce, before its validity ends.
   */
  answerItem(
    hash: string,
    answer: { nonce: string; rating: number; comment?: string; at: string },
  ): DocumentTransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: linkKey(hash),
        UpdateExpression: `SET #status = :answered, rating = :rating, answeredAt = :at${answer.comment ? ', #comment = :comment' : ''}`,
        ConditionExpression: '#status = :open AND nonce = :nonce AND validUntil > :at',
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(answer.comment ? { '#comment': 'comment' } : {}),
        },
        ExpressionAttributeValues: {
          ':answered': 'answered',
          ':open': 'open',
          ':nonce': answer.nonce,
          ':rating': answer.rating,
          ':at': answer.at,
          ...(answer.comment ? { ':comment': answer.comment } : {}),
        },
      },
    };
  }
}
