/**
 * The one way a Junction Lambda function is built: runtime, architecture, tracing, logs,
 * bundling and Powertools settings are decided here once, and access to other resources is
 * granted through helpers that set the environment variable and the IAM permission together,
 * so a function can never have the variable without the permission or the other way round.
 */
import { join, relative } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { handlerEntry, lambdaBundling, PROJECT_ROOT } from '../bundling.ts';
import { LINK_BASES, type Messaging, SENDERS, type TableAccess } from '../handler-access.ts';

/** A table together with its index names, which a grant needs to allow queries on the indexes. */
export interface GrantableTable {
  readonly table: ITable;
  readonly indexNames: readonly string[];
}

/** Where a deployment's messages come from and point to: CDK context, read in infra/junction-app.ts. */
export interface MessagingSettings {
  /** The public base URL of the API (`https://crm.example.com`): links in emails and SMS start with it. */
  readonly publicUrl?: string;
  /** The domain verified in SES that email is sent from: `approvals@`, `leads@`, `support@` it. */
  readonly emailDomain?: string;
  /** The ERP's https base URL (docs/erp.md). */
  readonly erpUrl?: string;
  /** The SSM SecureString parameter holding the ERP's `token key:secret` header; never an environment value. */
  readonly erpTokenParameter?: string;
}

/**
 * Exactly the calls the data layer makes (GetItem, BatchGetItem, Query; Put, Update and Delete,
 * alone or inside TransactWriteItems, whose condition checks need ConditionCheckItem). Scan and
 * DescribeTable are deliberately absent: nothing uses them.
 */
export const READ_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
];
export const WRITE_ACTIONS: readonly string[] = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export interface JunctionFunctionProps {
  /**
   * The handler's name, `functions/<handler>.handler.ts` without the suffix: a route handler from
   * HANDLERS in functions/routes.ts (`records/get-record`), a Lambda task a workflow binds
   * (workflows/registry.ts) or a handler an event triggers.
   */
  readonly handler: string;
  /**
   * The handler file, when it lives outside functions/ (test fixtures).
   * @default functions/<handler>.handler.ts
   */
  readonly entry?: string;
  /** @default 1024 MB: on arm64 CPU grows with memory, and cold starts parse a large bundle. */
  readonly memorySize?: number;
  /** @default 10 seconds: well inside API Gateway's 30-second integration limit. */
  readonly timeout?: Duration;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** @default INFO */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** `records/get-record` → `RecordsGetRecord`, for construct ids (and so logical ids) that stay stable. */
export const pascalCase = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');

export class JunctionFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: JunctionFunctionProps) {
    const entry = props.entry ?? handlerEntry(props.handler);
    const source = relative(PROJECT_ROOT, entry);
    // An own role instead of the default one: the default carries the managed
    // AWSLambdaBasicExecutionRole policy, which may create and write any log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${source}`,
    });
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: lambdaBundling(),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      description: source,
      environment: {
        // The bundles are minified: stack traces in the logs are only readable through the maps.
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'junction',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Junction',
      },
    });
    logGroup.grantWrite(role);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement that active tracing adds (xray:PutTraceSegments, xray:PutTelemetryRecords) ' +
        'has Resource "*": these X-Ray actions support no resource-level permissions. Table grants name ' +
        'their table and indexes, and the log grant names the function’s own log group.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime Junction targets and is tested against (a supported LTS on Lambda); ' +
        'moving to a newer Node.js is a deliberate upgrade with its own test run, not a side effect of a ' +
        'CDK release adding a runtime.',
    });
  }

  /** Sets `variable` to the table's name and grants the access, on the table and its indexes. */
  useTable(target: GrantableTable, access: TableAccess, variable: string): this {
    this.addEnvironment(variable, target.table.tableName);
    const tableArn = target.table.tableArn;
    Grant.addToPrincipal({
      grantee: this,
      actions: access === 'read' ? [...READ_ACTIONS] : [...READ_ACTIONS, ...WRITE_ACTIONS],
      resourceArns: [tableArn],
    });
    if (target.indexNames.length > 0) {
      // Indexes are only ever queried; writes go through the table.
      Grant.addToPrincipal({
        grantee: this,
        actions: ['dynamodb:Query'],
        resourceArns: target.indexNames.map((name) => `${tableArn}/index/${name}`),
      });
    }
    return this;
  }

  /**
   * Lets the function send what `use` says: the sender's address and the link base in the
   * variables its code reads, `ses:SendEmail` as the email domain's identity only, and SNS for
   * SMS. Answers the settings it needed and did not get, for the stack to warn about: the
   * function then fails at its first send, naming the missing variable.
   */
  useMessaging(settings: MessagingSettings, use: Messaging): (keyof MessagingSettings)[] {
    const missing: (keyof MessagingSettings)[] = [];
    if (use.email) {
      const sender = SENDERS[use.email];
      if (settings.emailDomain) {
        this.addEnvironment(sender.variable, `${sender.mailbox}@${settings.emailDomain}`);
        Grant.addToPrincipal({
          grantee: this,
          actions: ['ses:SendEmail'],
          resourceArns: [
            Stack.of(this).formatArn({
              service: 'ses',
              resource: 'identity',
              resourceName: settings.emailDomain,
            }),
          ],
        });
      } else missing.push('emailDomain');
    }
    if (use.erp) {
      if (settings.erpUrl) this.addEnvironment('ERP_URL', settings.erpUrl);
      else missing.push('erpUrl');
      if (settings.erpTokenParameter) {
        this.addEnvironment('ERP_TOKEN_PARAMETER', settings.erpTokenParameter);
        Grant.addToPrincipal({
          grantee: this,
          actions: ['ssm:GetParameter'],
          resourceArns: [
            Stack.of(this).formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: settings.erpTokenParameter.replace(/^\//, ''),
            }),
          ],
        });
      } else missing.push('erpTokenParameter');
    }
    if (use.links) {
      if (settings.publicUrl)
        this.addEnvironment(LINK_BASES[use.links], settings.publicUrl.replace(/\/+$/, ''));
      else missing.push('publicUrl');
    }
    if (use.sms && this.role) {
      // A policy of its own, so its one acknowledgement below covers exactly these two actions.
      const sms = new Policy(this, 'SmsPolicy', {
        statements: [
          // Texts only: every topic ARN is excluded, so the function cannot publish to a topic.
          new PolicyStatement({
            actions: ['sns:Publish'],
            notResources: [
              Stack.of(this).formatArn({ service: 'sns', resource: '*', region: '*', account: '*' }),
            ],
          }),
          new PolicyStatement({ actions: ['sns:CheckIfPhoneNumberIsOptedOut'], resources: ['*'] }),
        ],
      });
      sms.attachToRole(this.role);
      // Deployed before the function, like the role's own policy: no first text is refused.
      this.node.addDependency(sms);
      Validations.of(sms).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Asking whether a phone number opted out of SMS has no resource to name: IAM accepts only "*" for ' +
          'sns:CheckIfPhoneNumberIsOptedOut. Publishing is allowed to anything but a topic, i.e. to phone numbers.',
      });
    }
    return missing;
  }

  /** Sets `variable` to the queue's URL and lets the function send to it (and nothing else). */
  useQueue(queue: IQueue, variable: string): this {
    this.addEnvironment(variable, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /**
   * Lets the function read (and with `readWrite` create, overwrite and delete) the SecureString
   * parameters under `prefix` — one per webhook endpoint or inbound source, made at run time — and
   * tells it the prefix. Decryption uses SSM's AWS-managed key, which needs no grant of its own.
   */
  useSecrets(prefix: string, access: 'read' | 'readWrite'): this {
    this.addEnvironment('WEBHOOK_SECRET_PREFIX', prefix);
    const policy = new Policy(this, 'SecretsPolicy', {
      statements: [
        new PolicyStatement({
          actions:
            access === 'read'
              ? ['ssm:GetParameter']
              : ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [
            Stack.of(this).formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: `${prefix.replace(/^\//, '')}/*`,
            }),
          ],
        }),
      ],
    });
    if (this.role) policy.attachToRole(this.role);
    this.node.addDependency(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/junction/webhooks/*]',
      reason:
        'Each webhook endpoint and inbound source has its own secret parameter, created when an admin creates it: ' +
        'their names are not known at deployment, so the grant covers the webhook secrets’ path and nothing else.',
    });
    return this;
  }

  /**
   * Lets the function verify the pool's access tokens. No IAM grant goes with it: verification
   * needs only the pool's public signing keys (JWKS), fetched over HTTPS.
   */
  useUserPool(pool: IUserPool, client: IUserPoolClient): this {
    this.addEnvironment('USER_POOL_ID', pool.userPoolId);
    this.addEnvironment('USER_POOL_CLIENT_ID', client.userPoolClientId);
    return this;
  }
}
