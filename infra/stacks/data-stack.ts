/**
 * The stateful stack: the tables, and nothing that is cheap to recreate. It changes rarely, is
 * deployed apart from the functions, and keeps its data when the stack is deleted.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_TTL_ATTRIBUTE, INDEXES, KEY, TTL_ATTRIBUTE } from '#store/table-design';
import type { GrantableTable } from '../constructs/junction-function.ts';

/**
 * PITR keeps 35 days (the maximum): a bad deploy or a bulk mistake noticed weeks later can still
 * be undone by restoring to a new table.
 */
const RECOVERY_PERIOD = Duration.days(35);

export class DataStack extends Stack {
  /** CRM records, their audit trail, unique-value claims and API keys (store/table-design.ts). */
  readonly records: GrantableTable;
  /** Powertools idempotency records: 24 hours of replayable responses. */
  readonly idempotency: GrantableTable;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    /**
     * AWS::DynamoDB::Table rather than TableV2 (a global table): one region is all Junction
     * needs, and cdk-nag's DynamoDB checks cover this resource type.
     *
     * Encrypted with the AWS-managed key (aws/dynamodb) rather than a customer-managed one:
     * every use of the key is still in CloudTrail and AWS rotates it, but there is no key policy
     * to keep in step with the functions, no key whose deletion or disablement would make the
     * table unreadable, and no cross-stack key grants. A customer-managed key earns its keep with
     * cross-account access, separation of key and data administrators, or crypto-shredding;
     * none is a requirement today, and switching later is an online table update.
     */
    const records = new Table(this, 'RecordsTable', {
      partitionKey: { name: KEY.pk, type: AttributeType.STRING },
      sortKey: { name: KEY.sk, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: RECOVERY_PERIOD.toDays(),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Costs nothing until read; the workflows (lead intake, order-to-cash) will react to record
      // changes from it, and both images let a consumer see what changed.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    for (const index of Object.values(INDEXES)) {
      records.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
      });
    }

    /**
     * Its items live 24 hours and only make client retries safe, so it is not retained: deleting
     * the stack loses nothing a client could not send again. It is still encrypted and
     * recoverable like the records table, because it holds copies of response bodies.
     */
    const idempotency = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.records = { table: records, indexNames: Object.values(INDEXES).map((index) => index.name) };
    this.idempotency = { table: idempotency, indexNames: [] };

    new CfnOutput(this, 'RecordsTableName', {
      value: records.tableName,
      description: 'The records table: pass it to `npm run create-api-key -- --table`',
    });
    new CfnOutput(this, 'IdempotencyTableName', { value: idempotency.tableName });
  }
}
