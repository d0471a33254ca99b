/**
 * The single-table design, declared once. The CDK stack and the local hub both build the table
 * from this, so the indexes on AWS and on DynamoDB Local cannot drift apart.
 *
 * Generic key attributes (`pk`, `sk`, `gsiNpk`, `gsiNsk`) keep the table open to new entities;
 * each index is named for the access pattern it serves. See docs/data-model.md.
 */

export const KEY = { pk: 'pk', sk: 'sk' } as const;

export interface IndexDesign {
  /** DynamoDB index name: the access pattern it serves. */
  name: string;
  pk: string;
  sk: string;
  /** The record field whose value partitions the index; absent for byType. */
  field?: string;
}

export const INDEXES = {
  byType: { name: 'byType', pk: 'gsi1pk', sk: 'gsi1sk' },
  byOwner: { name: 'byOwner', pk: 'gsi2pk', sk: 'gsi2sk', field: 'ownerId' },
  byStatus: { name: 'byStatus', pk: 'gsi3pk', sk: 'gsi3sk', field: 'status' },
  byAccount: { name: 'byAccount', pk: 'gsi4pk', sk: 'gsi4sk', field: 'accountId' },
  byQueue: { name: 'byQueue', pk: 'gsi5pk', sk: 'gsi5sk', field: 'queueId' },
  byOrder: { name: 'byOrder', pk: 'gsi6pk', sk: 'gsi6sk', field: 'orderId' },
} as const satisfies Record<string, IndexDesign>;

export type IndexName = keyof typeof INDEXES;

/** Attribute DynamoDB's TTL deletes by (epoch seconds); set on short-lived items only. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The idempotency table Powertools writes to; kept apart so its TTL churn never touches records. */
export const IDEMPOTENCY_KEY = 'id';
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/** Every attribute used as a key anywhere: all strings. */
export const KEY_ATTRIBUTES: string[] = [
  KEY.pk,
  KEY.sk,
  ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]),
];
