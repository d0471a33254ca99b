/**
 * Creates the records and idempotency tables from the one table design (store/table-design.ts),
 * the same one the CDK stack deploys, and turns on TTL as on AWS.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_TTL_ATTRIBUTE,
  INDEXES,
  KEY,
  KEY_ATTRIBUTES,
  TTL_ATTRIBUTE,
} from '#store/table-design';

const indexSpec = (index: (typeof INDEXES)[keyof typeof INDEXES]) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.pk, KeyType: 'HASH' as const },
    { AttributeName: index.sk, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

/**
 * Adds the indexes the design has gained since a kept table was created (data from an earlier
 * version under `.data/`), one at a time as DynamoDB requires, as a CDK deploy would on AWS.
 */
async function addMissingIndexes(client: DynamoDBClient, table: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of Object.values(INDEXES)) {
    if (present.has(index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: table,
        AttributeDefinitions: [index.pk, index.sk].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table });
  }
}

/** As on AWS (infra/stacks/data-stack.ts): the events come from this stream. */
const STREAM_VIEW = 'NEW_AND_OLD_IMAGES' as const;

/** Turns the stream on for a table kept from a version that had none. */
async function enableStream(client: DynamoDBClient, table: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW },
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table });
}

/** The records table's stream, for the local stream poller. */
export async function streamArnOf(client: DynamoDBClient, table: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  if (!Table?.LatestStreamArn) throw new Error(`${table} has no stream`);
  return Table.LatestStreamArn;
}

/** Creates the tables that do not exist yet; answers whether the records table was new. */
export async function ensureTables(
  client: DynamoDBClient,
  names: { records: string; idempotency: string },
): Promise<boolean> {
  const created = await createIfMissing(client, () =>
    client.send(
      new CreateTableCommand({
        TableName: names.records,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: KEY.pk, KeyType: 'HASH' },
          { AttributeName: KEY.sk, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: Object.values(INDEXES).map(indexSpec),
        StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW },
      }),
    ),
  );
  if (!created) {
    await addMissingIndexes(client, names.records);
    await enableStream(client, names.records);
  }
  if (created) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: names.records,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  }
  const idempotencyCreated = await createIfMissing(client, () =>
    client.send(
      new CreateTableCommand({
        TableName: names.idempotency,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: IDEMPOTENCY_KEY, KeyType: 'HASH' }],
      }),
    ),
  );
  if (idempotencyCreated) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: names.idempotency,
        TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  }
  return created;
}

async function createIfMissing(_client: DynamoDBClient, create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}
