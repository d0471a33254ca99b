/**
 * Immutable versions of admin documents (policies, rules, calendars). A document's head is an
 * ordinary record (store/record-store.ts) naming its latest and active versions; each version's
 * content is an item beside it in the same partition:
 *   pk `{kind}#{id}`   sk `VERSION#{n, 6 digits}`
 * written in the same transaction that moves the head, and never changed afterwards, so a flow
 * that started on version 3 can always read version 3.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentTransactItem } from './record-store.ts';
import { KEY } from './table-design.ts';

export interface DocumentVersion<T = unknown> {
  version: number;
  content: T;
  note?: string;
  createdAt: string;
  createdBy: string;
}

const PREFIX = 'VERSION#';
const versionKey = (kind: string, id: string, version: number) => ({
  [KEY.pk]: `${kind}#${id}`,
  [KEY.sk]: `${PREFIX}${String(version).padStart(6, '0')}`,
});

export class DocumentVersions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The write that adds a version; fails the transaction if that version exists already. */
  put(kind: string, id: string, version: DocumentVersion): DocumentTransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...versionKey(kind, id, version.version), entity: `${kind}-version`, ...version },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.pk },
      },
    };
  }

  async get<T>(kind: string, id: string, version: number): Promise<DocumentVersion<T> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: versionKey(kind, id, version) }),
    );
    if (!Item) return undefined;
    const { version: v, content, note, createdAt, createdBy } = Item as DocumentVersion<T>;
    return { version: v, content, createdAt, createdBy, ...(note ? { note } : {}) };
  }

  /** Every version's summary, newest first (content left out). */
  async list(kind: string, id: string): Promise<Omit<DocumentVersion, 'content'>[]> {
    const versions: Omit<DocumentVersion, 'content'>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: {
            '#pk': KEY.pk,
            '#sk': KEY.sk,
            '#v': 'version',
            '#n': 'note',
            '#c': 'createdAt',
            '#b': 'createdBy',
          },
          ExpressionAttributeValues: { ':pk': `${kind}#${id}`, ':prefix': PREFIX },
          ProjectionExpression: '#v, #n, #c, #b',
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      versions.push(...((page.Items ?? []) as Omit<DocumentVersion, 'content'>[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return versions;
  }
}
