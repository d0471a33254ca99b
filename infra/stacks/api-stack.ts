/**
 * The stateless stack: one Lambda function per handler, the HTTP API that routes to them, and
 * the Cognito user pool staff sign in with. Every route comes from functions/routes.ts, the same
 * table the local hub serves, so the deployed API and the local one cannot disagree.
 */
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HANDLERS, ROUTES, type Route, throttleOf } from '#functions/routes';
import { WEBHOOK_SECRET_PREFIX } from '#functions/webhooks/ports';
import { ROLES } from '#schemas/common';
import { type GrantableTable, JunctionFunction, pascalCase } from '../constructs/junction-function.ts';
import type { JunctionWorkflow } from '../constructs/junction-workflow.ts';
import {
  queuesSentBy,
  recordsTableAccess,
  secretAccessOf,
  usesIdempotencyTable,
  workflowGrantsOf,
} from '../handler-access.ts';

export interface ApiStackProps extends StackProps {
  readonly records: GrantableTable;
  readonly idempotency: GrantableTable;
  /** The state machines, by workflow name, that routes may start, stop, read or answer. */
  readonly workflows?: ReadonlyMap<string, JunctionWorkflow>;
  /** The queues routes send to, by their name in functions/queues.ts (infra/stacks/events-stack.ts). */
  readonly queues?: ReadonlyMap<string, IQueue>;
  /** Route functions another stack built (the events stack's webhook and event routes), by handler. */
  readonly routeFunctions?: ReadonlyMap<string, JunctionFunction>;
  /**
   * Requests per second across the API, and the burst above it. API Gateway answers 429 beyond
   * these; raise them when real traffic needs it.
   * @default 100 per second, bursts of 200
   */
  readonly throttle?: { rateLimit: number; burstLimit: number };
}

const AUTHORIZER = 'auth/authorizer';
const NOT_FOUND = 'api/not-found';

const pascal = pascalCase;

/** `records/get-record` → `RecordsGetRecord`; construct ids, and so logical ids, stay stable. */
const functionId = (handler: string) => pascal(handler);
/** What a public route's acknowledgement says; a public route without its reason stops synthesis. */
function publicBecause(route: Route): string {
  if (!route.publicBecause?.trim())
    throw new Error(
      `${route.method} ${route.path} is public but gives no publicBecause in functions/routes.ts: say why it ` +
        'needs no credentials and what guards it instead',
    );
  return route.publicBecause;
}

/** `GET /v1/accounts/{id}` → `GETV1AccountsId`. */
const routeId = (route: Route) => `${route.method}${pascal(route.path)}`;

/**
 * One JSON object per request. Only identifiers are logged, never the principal's name or email:
 * access logs are kept longer than function logs and are not masked.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    method: '$context.httpMethod',
    // The route template, never $context.path: approval and survey link ids are bearer credentials.
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integration.latency',
    integrationStatus: '$context.integration.status',
    integrationError: '$context.integration.error',
    authorizerError: '$context.authorizer.error',
    principalId: '$context.authorizer.principalId',
    role: '$context.authorizer.role',
    error: '$context.error.message',
  }),
);

export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, JunctionFunction>;
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    const functions = new Map<string, JunctionFunction>();
    for (const handler of HANDLERS) {
      const built = props.routeFunctions?.get(handler);
      if (built) {
        functions.set(handler, built);
        continue;
      }
      const fn = new JunctionFunction(this, functionId(handler), {
        handler,
        ...(handler === AUTHORIZER ? { timeout: Duration.seconds(5) } : {}),
      });
      const access = recordsTableAccess(handler);
      if (access !== 'none') fn.useTable(props.records, access, 'TABLE_NAME');
      if (usesIdempotencyTable(handler))
        fn.useTable(props.idempotency, 'readWrite', 'IDEMPOTENCY_TABLE_NAME');
      // The routes' `workflows` (functions/routes.ts) say which state machines, and how.
      const workflows = props.workflows ?? new Map<string, JunctionWorkflow>();
      const { grants, unknown } = workflowGrantsOf(handler, [...workflows.keys()]);
      for (const [name, access] of grants) workflows.get(name)?.grantTo(fn, access);
      for (const warning of unknown) Annotations.of(fn).addWarningV2('junction:unknown-workflow', warning);
      for (const design of queuesSentBy(handler)) {
        const queue = props.queues?.get(design.name);
        if (queue) fn.useQueue(queue, design.urlVariable);
        else
          Annotations.of(fn).addWarningV2(
            'junction:missing-queue',
            `No ${design.name} queue: ${handler} cannot send to it`,
          );
      }
      const secrets = secretAccessOf(handler);
      if (secrets) fn.useSecrets(WEBHOOK_SECRET_PREFIX, secrets);
      functions.set(handler, fn);
    }
    this.functions = functions;
    const functionFor = (handler: string): JunctionFunction => {
      const fn = functions.get(handler);
      if (!fn) throw new Error(`No function for handler "${handler}": is it in HANDLERS?`);
      return fn;
    };

    // Staff only: accounts are created by an admin (see docs/deploying.md), never by sign-up.
    // The pool holds identities and MFA enrolments, so it outlives the stack like the tables do.
    this.userPool = new UserPool(this, 'StaffUserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      // Staff see every customer's data and approve discounts: a password alone is not enough.
      // Authenticator apps only; SMS codes can be intercepted through SIM swaps and cost money.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus brings threat protection: sign-ins with leaked credentials or from risky contexts
      // are blocked or challenged. For a staff-sized pool it costs cents per user per month.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      // A public client (no secret) signing in with SRP: the password never leaves the device.
      generateSecret: false,
      authFlows: { userSrp: true },
      // No hosted sign-in domain is configured, so the OAuth endpoints would lead nowhere.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    // The authorizer maps the first of a user's groups that names a role to that role. Precedence
    // (ROLES order, admin first) only ranks IAM roles in tokens, so staff belong to one group each.
    ROLES.forEach((role, precedence) => {
      this.userPool.addGroup(`${pascal(role)}Group`, {
        groupName: role,
        description: `Staff acting with the "${role}" role`,
        precedence,
      });
    });
    functionFor(AUTHORIZER).useUserPool(this.userPool, this.userPoolClient);

    /**
     * One Lambda REQUEST authorizer for every protected route, for API keys and Cognito JWTs
     * alike. An HTTP API route takes a single authorizer and both kinds of caller use the same
     * routes, so API Gateway's JWT authorizer cannot be used; the Lambda verifies the Cognito
     * access token itself and maps the user's groups to the same roles an API key carries.
     *
     * It always allows and reports the outcome in its context, so the handlers answer 401/403 as
     * problem+json. No identity sources: API Gateway would answer 401 in plain text, without
     * calling the authorizer, whenever one is missing, and callers send either `x-api-key` or
     * `Authorization`, never both. Without identity sources the result cannot be cached, which
     * the function makes up for by remembering valid keys briefly.
     */
    const authorizer = new HttpLambdaAuthorizer('CredentialAuthorizer', functionFor(AUTHORIZER), {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Junction REST API',
      // The default stage is made below, with access logs and throttling.
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    // One integration per function, and one invoke permission per function for this API rather
    // than one per route: the permission policies stay small and the stack far from its limits.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (handler: string) => {
      let integration = integrations.get(handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${functionId(handler)}Integration`, functionFor(handler), {
          scopePermissionToRoute: false,
        });
        integrations.set(handler, integration);
      }
      return integration;
    };

    for (const route of ROUTES) {
      const httpRoute = new HttpRoute(this, routeId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationFor(route.handler),
        ...(route.access === 'public' ? {} : { authorizer }),
      });
      // Route settings name routes by key; CloudFormation must create the routes first.
      if (throttleOf(route)) stage.node.addDependency(httpRoute);
      if (route.access === 'public') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} (${route.summary}) is public by design: ${publicBecause(route)}.`,
        });
      }
    }
    // Each public route spends its own throttle, not the stage's: anonymous traffic to forms,
    // links or the OpenAPI document cannot starve staff. HTTP APIs take route throttles only as
    // stage route settings, which the L2 stage does not expose.
    const routeSettings = Object.fromEntries(
      ROUTES.flatMap((route) => {
        const throttle = throttleOf(route);
        return throttle
          ? [
              [
                `${route.method} ${route.path}`,
                // A JSON property: CloudFormation reads these names as written.
                { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
              ],
            ]
          : [];
      }),
    );
    (stage.node.defaultChild as CfnStage).routeSettings = routeSettings;

    const fallback = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrationFor(NOT_FOUND),
    });
    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The $default route only answers 404/405 as problem+json for paths no other route matches; it reads no ' +
        'data, and requiring credentials there would turn "no such path" into a misleading 401.',
    });

    new CfnOutput(this, 'ApiUrl', { value: stage.url, description: 'Base URL of the API' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }
}
