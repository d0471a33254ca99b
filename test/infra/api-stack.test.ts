import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS, PUBLIC_THROTTLE, ROUTES, routeKey, throttleOf } from '#functions/routes';
import { ROLES } from '#schemas/common';
import { handlerEntry } from '../../infra/bundling.ts';
import { builtByEventsStack, recordsTableAccess } from '../../infra/handler-access.ts';
import {
  actionsOf,
  type CfnResourceJson,
  logicalIdOf,
  type PolicyStatementJson,
  type Synthesized,
  statementsOfRole,
  synthesize,
  variablesOf,
} from './support/synth.ts';

const DYNAMODB_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:TransactWriteItems',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** The stage's own limit (infra/stacks/api-stack.ts): every public route's is below it. */
const STAGE_RATE = 100;

describe('the API stack', () => {
  let synthesized: Synthesized;
  let template: Template;
  let resources: Record<string, CfnResourceJson>;

  const functionIdOf = (handler: string) => {
    const fn = synthesized.api.functions.get(handler);
    if (!fn) throw new Error(`no function for ${handler}`);
    return logicalIdOf(fn);
  };
  const functionOf = (handler: string): CfnResourceJson => {
    const fn = synthesized.api.functions.get(handler);
    const resource =
      fn &&
      (synthesized.templateOf(fn).toJSON().Resources as Record<string, CfnResourceJson>)[
        functionIdOf(handler)
      ];
    if (!resource) throw new Error(`${handler}'s function is not in the template`);
    return resource;
  };
  const environmentOf = (handler: string) => variablesOf(functionOf(handler));
  const statementsOf = (handler: string): PolicyStatementJson[] => {
    const fn = synthesized.api.functions.get(handler);
    if (!fn?.role) throw new Error(`no role for ${handler}`);
    return statementsOfRole(synthesized.templateOf(fn), logicalIdOf(fn.role as Role));
  };
  /** Whether a statement's resources point at a table (through the data stack's outputs). */
  const mentions = (statement: PolicyStatementJson, table: 'records' | 'idempotency') =>
    JSON.stringify(statement.Resource).includes(logicalIdOf(synthesized.data[table].table));
  const routesByKey = () =>
    new Map(
      Object.values(
        template.findResources('AWS::ApiGatewayV2::Route') as Record<string, CfnResourceJson>,
      ).map((route) => [route.Properties?.RouteKey as string, route.Properties ?? {}]),
    );
  const authorizerId = () => Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];

  beforeAll(() => {
    synthesized = synthesize({ bundle: false });
    template = synthesized.apiTemplate;
    resources = template.toJSON().Resources;
  });
  afterAll(() => synthesized?.cleanUp());

  describe('functions', () => {
    it('creates one function per handler in the route table, and no other (the events stack builds its own families’)', () => {
      template.resourceCountIs(
        'AWS::Lambda::Function',
        HANDLERS.filter((h) => !builtByEventsStack(h)).length,
      );
      expect(HANDLERS.filter(builtByEventsStack).sort()).toEqual([
        'events/list-events',
        'webhooks/manage',
        'webhooks/receive-inbound',
      ]);
      for (const handler of HANDLERS) expect(functionOf(handler).Properties?.Handler).toBe('index.handler');
    });

    it('runs every function on nodejs22.x, arm64, with X-Ray tracing active', () => {
      for (const handler of HANDLERS) {
        expect(functionOf(handler).Properties, handler).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
      }
    });

    it('sends every function’s logs to a log group of its own that expires them', () => {
      const logGroups = HANDLERS.map((handler) => {
        const config = functionOf(handler).Properties?.LoggingConfig as { LogGroup: { Ref: string } };
        const fn = synthesized.api.functions.get(handler);
        const own = fn
          ? (synthesized.templateOf(fn).toJSON().Resources as Record<string, CfnResourceJson>)
          : {};
        const logGroup = own[config.LogGroup.Ref];
        expect(logGroup?.Type, handler).toBe('AWS::Logs::LogGroup');
        expect(logGroup?.Properties?.RetentionInDays, handler).toBeGreaterThan(0);
        return config.LogGroup.Ref;
      });
      expect(new Set(logGroups).size).toBe(HANDLERS.length);
    });

    it('configures Powertools alike everywhere: service, log level, metrics namespace, source maps', () => {
      for (const handler of HANDLERS) {
        expect(environmentOf(handler), handler).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'junction',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_NAMESPACE: 'Junction',
          NODE_OPTIONS: '--enable-source-maps',
        });
      }
    });

    it('gives each function the records table exactly when it uses it', () => {
      for (const handler of HANDLERS) {
        const uses = recordsTableAccess(handler) !== 'none';
        expect(environmentOf(handler).TABLE_NAME !== undefined, handler).toBe(uses);
        expect(
          statementsOf(handler).some((s) => mentions(s, 'records')),
          handler,
        ).toBe(uses);
      }
    });

    it('lets functions of read-only routes and the authorizer read records but never write them', () => {
      const readers = HANDLERS.filter((handler) => recordsTableAccess(handler) === 'read');
      expect(readers).toEqual(
        expect.arrayContaining([
          'records/get-record',
          'records/list-records',
          'auth/authorizer',
          // The pages a link opens (GET and HEAD): a scanner fetching them cannot change anything,
          // and IAM, not only the code, says so. The dry runs read too.
          'approvals/show-approval',
          'tickets/show-survey',
          'approvals/simulate-approval',
          'leads/simulate-routing',
          'tickets/simulate-sla',
        ]),
      );
      for (const handler of readers) {
        const actions = actionsOf(statementsOf(handler));
        expect(actions, handler).toContain('dynamodb:GetItem');
        for (const write of DYNAMODB_WRITES) expect(actions, handler).not.toContain(write);
        expect(
          actions.some((action) => /^dynamodb:\*|^\*$/.test(action)),
          handler,
        ).toBe(false);
      }
      expect(actionsOf(statementsOf('records/get-record'))).not.toContain('dynamodb:PutItem');
      expect(actionsOf(statementsOf('records/create-record'))).toContain('dynamodb:PutItem');
    });

    it('lets writers change records through transactions: put, update, delete and condition checks', () => {
      for (const handler of HANDLERS.filter((h) => recordsTableAccess(h) === 'readWrite')) {
        const onRecords = actionsOf(statementsOf(handler).filter((s) => mentions(s, 'records')));
        expect(onRecords, handler).toEqual(
          expect.arrayContaining([
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:ConditionCheckItem',
          ]),
        );
      }
    });

    it('gives the idempotency table only to handlers that honour Idempotency-Key', () => {
      // Read from the handlers themselves, so a handler that starts honouring the header without
      // its routes documenting it (the stack's source of truth) fails here.
      const idempotentHandlers = HANDLERS.filter((handler) =>
        /idempotent:\s*true|shared\/idempotency(\.ts)?['"]/.test(readFileSync(handlerEntry(handler), 'utf8')),
      );
      expect(idempotentHandlers).toContain('records/create-record');
      for (const handler of HANDLERS) {
        const expected = idempotentHandlers.includes(handler);
        expect(environmentOf(handler).IDEMPOTENCY_TABLE_NAME !== undefined, handler).toBe(expected);
        expect(
          statementsOf(handler).some((s) => mentions(s, 'idempotency')),
          handler,
        ).toBe(expected);
      }
    });

    it('lets functions query the records table’s indexes by name, never through index/*', () => {
      const indexResources = HANDLERS.flatMap((handler) =>
        statementsOf(handler).filter((s) => JSON.stringify(s.Resource).includes('/index/')),
      );
      expect(indexResources.length).toBeGreaterThan(0);
      for (const statement of indexResources) {
        expect(statement.Action).toBe('dynamodb:Query');
        expect(JSON.stringify(statement.Resource)).not.toContain('/index/*');
      }
    });

    it('grants no wildcard action, and a wildcard resource only to the X-Ray actions', () => {
      for (const handler of HANDLERS) {
        for (const statement of statementsOf(handler)) {
          const actions = actionsOf([statement]);
          expect(
            actions.filter((action) => action.includes('*')),
            handler,
          ).toEqual([]);
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          if (resources.includes('*')) {
            expect(
              actions.every((action) => action.startsWith('xray:')),
              `${handler}: ${actions}`,
            ).toBe(true);
          }
        }
      }
    });

    it('attaches no AWS-managed policy to any function role', () => {
      for (const role of Object.values(
        template.findResources('AWS::IAM::Role') as Record<string, CfnResourceJson>,
      )) {
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('HTTP API', () => {
    it('routes every entry of the route table to its handler’s function', () => {
      const routes = routesByKey();
      for (const route of ROUTES) {
        const resource = routes.get(routeKey(route));
        expect(resource, routeKey(route)).toBeDefined();
        const integrationId = JSON.stringify(resource?.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
        const uri = resources[integrationId]?.Properties?.IntegrationUri;
        if (builtByEventsStack(route.handler))
          // The function is the events stack's: its ARN arrives as that stack's output.
          expect(JSON.stringify(uri), routeKey(route)).toMatch(
            new RegExp(`"Fn::GetStackOutput".*${functionIdOf(route.handler)}`),
          );
        else
          expect(uri, routeKey(route)).toEqual({
            'Fn::GetAtt': [functionIdOf(route.handler), 'Arn'],
          });
      }
      // The route table plus $default, nothing else.
      expect(routes.size).toBe(ROUTES.length + 1);
    });

    it('answers requests no route matches from the not-found function, without the authorizer', () => {
      const fallback = routesByKey().get('$default');
      expect(fallback?.AuthorizationType).toBe('NONE');
      expect(fallback?.AuthorizerId).toBeUndefined();
      const integrationId = JSON.stringify(fallback?.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      expect(resources[integrationId]?.Properties?.IntegrationUri).toEqual({
        'Fn::GetAtt': [functionIdOf('api/not-found'), 'Arn'],
      });
    });

    it('puts the Lambda authorizer in front of every non-public route and none in front of public ones', () => {
      const routes = routesByKey();
      const publicKeys = ROUTES.filter((route) => route.access === 'public').map(routeKey);
      // The approval and survey links' pages: the unguessable link id is their credential. The
      // web form endpoint: posted by anonymous visitors, limited per client and by the form's CORS.
      expect(publicKeys.sort()).toEqual(
        [
          'GET /openapi.json',
          'GET /approvals/{id}',
          'HEAD /approvals/{id}',
          'POST /approvals/{id}',
          'GET /surveys/{id}',
          'HEAD /surveys/{id}',
          'POST /surveys/{id}',
          'POST /v1/forms/{formId}',
          'OPTIONS /v1/forms/{formId}',
          // Inbound webhooks: the signature over the raw body, with a secret only the sender holds.
          'POST /v1/webhooks/inbound/{source}',
        ].sort(),
      );
      for (const route of ROUTES) {
        const resource = routes.get(routeKey(route));
        if (route.access === 'public') {
          // Its acknowledgement for cdk-nag says why it is public and what guards it instead.
          expect(route.publicBecause?.length ?? 0, routeKey(route)).toBeGreaterThan(40);
          expect(resource?.AuthorizationType, routeKey(route)).toBe('NONE');
          expect(resource?.AuthorizerId, routeKey(route)).toBeUndefined();
        } else {
          expect(resource?.AuthorizationType, routeKey(route)).toBe('CUSTOM');
          expect(resource?.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId() });
        }
      }
    });

    it('authorizes with the authorizer function as a REQUEST authorizer: simple responses, no cache, no required header', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      const [authorizer] = Object.values(
        template.findResources('AWS::ApiGatewayV2::Authorizer') as Record<string, CfnResourceJson>,
      );
      expect(authorizer?.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        AuthorizerResultTtlInSeconds: 0,
      });
      // A listed identity source that is missing makes API Gateway answer 401 in plain text
      // without asking the authorizer; callers send x-api-key or Authorization, not both.
      expect((authorizer?.Properties?.IdentitySource as unknown[] | undefined) ?? []).toEqual([]);
      expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(
        functionIdOf('auth/authorizer'),
      );
    });

    it('writes a JSON access log line per request to a log group, and throttles by default', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const [stage] = Object.values(
        template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, CfnResourceJson>,
      );
      expect(stage?.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      });
      const settings = stage?.Properties?.AccessLogSettings as { DestinationArn: unknown; Format: string };
      const logGroupId = (settings.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroupId]?.Properties?.RetentionInDays).toBeGreaterThan(0);
      const format = JSON.parse(settings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
      });
      // Approval and survey link ids are bearer credentials: no variable that holds the path.
      expect(settings.Format).not.toMatch(/\$context\.(path|resourcePath)/);
    });

    it('gives every public route a throttle of its own, far below the stage’s, after the route exists', () => {
      const [[stageId, stage]] = Object.entries(
        template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, CfnResourceJson>,
      ) as [[string, CfnResourceJson & { DependsOn?: string[] }]];
      const settings = stage.Properties?.RouteSettings as Record<
        string,
        { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
      >;
      const publicRoutes = ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
      expect(publicRoutes.length).toBeGreaterThan(4);
      expect(Object.keys(settings).sort()).toEqual([...publicRoutes].sort());
      for (const route of ROUTES.filter((r) => r.access === 'public')) {
        // The default, or the route's own (inbound webhooks arrive in bursts): below the stage's.
        const throttle = throttleOf(route) ?? PUBLIC_THROTTLE;
        expect(settings[`${route.method} ${route.path}`]).toEqual({
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        });
        expect(throttle.rateLimit).toBeLessThan(STAGE_RATE);
      }
      const routeIds = Object.entries(
        template.findResources('AWS::ApiGatewayV2::Route') as Record<string, CfnResourceJson>,
      )
        .filter(([, r]) => publicRoutes.includes(String(r.Properties?.RouteKey)))
        .map(([id]) => id);
      expect(routeIds).toHaveLength(publicRoutes.length);
      for (const id of routeIds) expect(stage.DependsOn).toContain(id);
      expect(stageId).toBeTruthy();
    });
  });

  describe('staff sign-in', () => {
    it('has a user pool group named after every role, in the order of ROLES', () => {
      const groups = Object.values(
        template.findResources('AWS::Cognito::UserPoolGroup') as Record<string, CfnResourceJson>,
      ).map((group) => [group.Properties?.GroupName, group.Properties?.Precedence]);
      expect(groups.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual(ROLES.map((role, i) => [role, i]));
    });

    it('lets no one sign up, and requires MFA and a strong password', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: {
          PasswordPolicy: {
            MinimumLength: 14,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      });
    });

    it('keeps the user pool, with its users and their MFA enrolments, when the stack is deleted', () => {
      const [pool] = Object.values(
        template.findResources('AWS::Cognito::UserPool') as Record<string, CfnResourceJson>,
      );
      expect(pool?.DeletionPolicy).toBe('Retain');
      expect(pool?.Properties?.DeletionProtection).toBe('ACTIVE');
    });

    it('tells the authorizer which pool and client to accept tokens from', () => {
      const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
      const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));
      expect(environmentOf('auth/authorizer')).toMatchObject({
        USER_POOL_ID: { Ref: poolId },
        USER_POOL_CLIENT_ID: { Ref: clientId },
      });
    });
  });

  it('publishes the API URL, the user pool id and the client id', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId']),
    );
    expect(JSON.stringify(outputs.ApiUrl)).toContain(logicalIdOf(synthesized.api.api));
  });
});
