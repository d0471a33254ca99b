/**
 * API keys for external systems and local development. Only a SHA-256 digest of each key is
 * stored: keys are 240-bit random strings, so a fast digest is enough (no password stretching
 * needed) and a leaked table does not leak usable keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Role } from '#schemas/common';
import { KEY } from './table-design.ts';

export interface ApiKeyRecord {
  keyId: string;
  name: string;
  role: Role;
  /** The staff user the key acts for, when it is a person's key rather than a system's. */
  userId?: string;
  /** Extra permissions beyond the role, e.g. `products:pricing` for an integration key. */
  grants?: string[];
  createdAt: string;
  revokedAt?: string;
}

export const API_KEY_PATTERN = /^jct_[A-Za-z0-9_-]{40}$/;

export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

const keyOf = (hash: string) => ({ [KEY.pk]: `APIKEY#${hash}`, [KEY.sk]: 'APIKEY' });

export class ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates a key and returns it in plain text: the only moment it exists outside its holder. */
  async issue(
    name: string,
    role: Role,
    options: { userId?: string; grants?: string[]; now?: Date } = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `jct_${randomBytes(30).toString('base64url')}`;
    const record: ApiKeyRecord = {
      keyId: `key_${ulid()}`,
      name,
      role,
      ...(options.userId ? { userId: options.userId } : {}),
      ...(options.grants?.length ? { grants: options.grants } : {}),
      createdAt: (options.now ?? new Date()).toISOString(),
    };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(hashApiKey(key)), entity: 'api-key', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { key, record };
  }

  /** Looks a presented key up by its digest; malformed keys never reach the table. */
  async find(key: string): Promise<ApiKeyRecord | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(hashApiKey(key)) }),
    );
    if (!Item) return undefined;
    const { keyId, name, role, userId, grants, createdAt, revokedAt } = Item as ApiKeyRecord;
    return {
      keyId,
      name,
      role,
      createdAt,
      ...(userId ? { userId } : {}),
      ...(grants?.length ? { grants } : {}),
      ...(revokedAt ? { revokedAt } : {}),
    };
  }
}
