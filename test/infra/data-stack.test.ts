import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_TTL_ATTRIBUTE, INDEXES, KEY, TTL_ATTRIBUTE } from '#store/table-design';
import { type CfnResourceJson, logicalIdOf, type Synthesized, synthesize } from './support/synth.ts';

describe('the data stack', () => {
  let synthesized: Synthesized;
  let records: CfnResourceJson;
  let idempotency: CfnResourceJson;
  beforeAll(() => {
    synthesized = synthesize({ bundle: false });
    const tables = synthesized.dataTemplate.findResources('AWS::DynamoDB::Table') as Record<
      string,
      CfnResourceJson
    >;
    const byId = (construct: { node: { defaultChild?: unknown } }) => {
      const table = tables[logicalIdOf(construct)];
      if (!table) throw new Error('table not in the template');
      return table;
    };
    records = byId(synthesized.data.records.table);
    idempotency = byId(synthesized.data.idempotency.table);
  });
  afterAll(() => synthesized?.cleanUp());

  it('holds exactly the records table and the idempotency table', () => {
    synthesized.dataTemplate.resourceCountIs('AWS::DynamoDB::Table', 2);
  });

  it('keeps the records table on stack deletion or replacement and refuses to delete it', () => {
    expect(records.DeletionPolicy).toBe('Retain');
    expect(records.UpdateReplacePolicy).toBe('Retain');
    expect(records.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('recovers the records table to any point in the last 35 days', () => {
    expect(records.Properties?.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
      RecoveryPeriodInDays: 35,
    });
  });

  it('encrypts both tables with a KMS key', () => {
    // SSEEnabled true is KMS encryption (the AWS-managed key unless a key is named); false or
    // absent would be DynamoDB's own key, invisible in CloudTrail.
    for (const table of [records, idempotency]) {
      expect(table.Properties?.SSESpecification).toMatchObject({ SSEEnabled: true });
    }
  });

  it('builds the records table from the table design: keys, every index by name, on-demand', () => {
    expect(records.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: KEY.pk, KeyType: 'HASH' },
        { AttributeName: KEY.sk, KeyType: 'RANGE' },
      ],
    });
    const indexes = records.Properties?.GlobalSecondaryIndexes as unknown[];
    expect(indexes).toHaveLength(Object.keys(INDEXES).length);
    for (const index of Object.values(INDEXES)) {
      expect(indexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.pk, KeyType: 'HASH' },
          { AttributeName: index.sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
    }
  });

  it('expires short-lived records by the TTL attribute the store writes', () => {
    expect(records.Properties?.TimeToLiveSpecification).toEqual({
      AttributeName: TTL_ATTRIBUTE,
      Enabled: true,
    });
  });

  it('streams old and new images of every record change for the workflows to consume', () => {
    expect(records.Properties?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('keys the idempotency table as Powertools expects and expires its records by TTL', () => {
    expect(idempotency.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: IDEMPOTENCY_KEY, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TTL_ATTRIBUTE, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('names no table, so a restore or a second deployment never collides with an existing one', () => {
    for (const table of [records, idempotency]) expect(table.Properties?.TableName).toBeUndefined();
  });

  it('publishes both table names as stack outputs', () => {
    synthesized.dataTemplate.hasOutput('RecordsTableName', {
      Value: { Ref: logicalIdOf(synthesized.data.records.table) },
    });
    synthesized.dataTemplate.hasOutput('IdempotencyTableName', {
      Value: { Ref: logicalIdOf(synthesized.data.idempotency.table) },
    });
  });

  it('is protected against accidental deletion of the whole stack', () => {
    expect(synthesized.data.terminationProtection).toBe(true);
  });

  it('holds no functions, so deploying code never touches the data stack', () => {
    synthesized.dataTemplate.resourceCountIs('AWS::Lambda::Function', 0);
  });
});
