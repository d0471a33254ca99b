import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as me } from '#functions/api/me.handler';
import { handler as createRecord } from '#functions/records/create-record.handler';
import { handler as getRecord } from '#functions/records/get-record.handler';
import { handler as listRecords } from '#functions/records/list-records.handler';
import { handler as updateRecord } from '#functions/records/update-record.handler';
import type { HttpEvent } from '#functions/shared/auth';
import { logger } from '#platform/observability';
import { storedRecord, testId } from './support/builders.ts';
import {
  authenticatedAs,
  httpEvent,
  lambdaContext,
  type ParsedResponse,
  parseResponse,
  withoutAuthorizer,
} from './support/lambda.ts';

const documents = mockClient(DynamoDBDocumentClient);
// The idempotency layer talks to DynamoDB through the plain client.
const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  documents.reset();
  dynamodb.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

type MiddyHandler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

async function invoke(handler: MiddyHandler, event: HttpEvent): Promise<ParsedResponse> {
  const result = await handler(event, lambdaContext());
  return parseResponse(result as Parameters<typeof parseResponse>[0]);
}

/** What every error response must be: problem+json whose status matches, with no internals in it. */
function expectProblem(response: ParsedResponse, status: number, slug?: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (slug) expect(response.body.type).toBe(`/problems/${slug}`);
  expect(response.raw).not.toMatch(/\bat .+\.(ts|js):\d+/);
  expect(response.body).not.toHaveProperty('stack');
}

const ACCOUNT_ID = testId('acc', 1);
const getAccount = (extra: Partial<Parameters<typeof httpEvent>[0]> = {}) =>
  httpEvent({
    routeKey: 'GET /v1/accounts/{id}',
    rawPath: `/v1/accounts/${ACCOUNT_ID}`,
    pathParameters: { id: ACCOUNT_ID },
    ...extra,
  });
const postAccount = (body: string | undefined, headers: Record<string, string> = {}) =>
  httpEvent({
    routeKey: 'POST /v1/accounts',
    rawPath: '/v1/accounts',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });

describe('authentication and roles', () => {
  it('answers the caller who it is', async () => {
    const response = await invoke(
      me,
      httpEvent({
        routeKey: 'GET /v1/me',
        rawPath: '/v1/me',
        auth: authenticatedAs('finance', 'key_01JDERP'),
      }),
    );

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      id: 'key_01JDERP',
      name: 'finance integration',
      role: 'finance',
      kind: 'api-key',
    });
  });

  it('answers 401 problem+json when the authorizer passed no context', async () => {
    const event = withoutAuthorizer(httpEvent({ routeKey: 'GET /v1/me', rawPath: '/v1/me' }));

    const response = await invoke(me, event);

    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toBe('ApiKey');
    expect(response.body.detail).toBe('Send an API key in the x-api-key header, or a bearer token.');
  });

  it('answers 401 when the authorizer passed an empty context', async () => {
    const response = await invoke(me, httpEvent({ routeKey: 'GET /v1/me', rawPath: '/v1/me', auth: {} }));

    expectProblem(response, 401, 'unauthenticated');
  });

  it("passes the authorizer's reason on in the 401", async () => {
    const event = httpEvent({
      routeKey: 'GET /v1/me',
      rawPath: '/v1/me',
      auth: { authenticated: false, reason: 'The API key was revoked.' },
    });

    const response = await invoke(me, event);

    expectProblem(response, 401, 'unauthenticated');
    expect(response.body.detail).toBe('The API key was revoked.');
  });

  it('answers 403 naming the roles the route admits when the role is not one of them', async () => {
    const leadId = testId('led', 1);
    const event = httpEvent({
      routeKey: 'GET /v1/leads/{id}',
      rawPath: `/v1/leads/${leadId}`,
      pathParameters: { id: leadId },
      auth: authenticatedAs('support'),
    });

    const response = await invoke(getRecord, event);

    expectProblem(response, 403, 'forbidden');
    expect(response.body.detail).toBe(
      'Role "support" may not get lead; allowed: admin, manager, sales, integration.',
    );
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('answers 403 for a credential whose role is unknown', async () => {
    const event = httpEvent({
      routeKey: 'GET /v1/me',
      rawPath: '/v1/me',
      // An authorizer from a newer release could pass a role this code does not know.
      auth: { ...authenticatedAs('admin'), role: 'root' as 'admin' },
    });

    const response = await invoke(me, event);

    expectProblem(response, 403, 'forbidden');
  });

  it('answers 404 problem+json for a route key the table does not know', async () => {
    const event = httpEvent({ routeKey: 'GET /v1/spaceships/{id}', rawPath: '/v1/spaceships/1' });

    const response = await invoke(getRecord, event);

    expectProblem(response, 404, 'not-found');
    expect(response.body.instance).toBe('/v1/spaceships/1');
  });
});

describe('correlation ids', () => {
  it("echoes the caller's x-correlation-id on success and on errors", async () => {
    const headers = { 'x-correlation-id': 'corr-42' };

    const ok = await invoke(me, httpEvent({ routeKey: 'GET /v1/me', rawPath: '/v1/me', headers }));
    const refused = await invoke(
      me,
      httpEvent({ routeKey: 'GET /v1/me', rawPath: '/v1/me', headers, auth: {} }),
    );

    expect(ok.headers['x-correlation-id']).toBe('corr-42');
    expect(refused.headers['x-correlation-id']).toBe('corr-42');
  });

  it("falls back to API Gateway's request id", async () => {
    const response = await invoke(me, httpEvent({ routeKey: 'GET /v1/me', rawPath: '/v1/me' }));

    expect(response.headers['x-correlation-id']).toBe('gw-request-1');
  });
});

describe('reading a record', () => {
  it('answers the record with its ETag', async () => {
    const account = storedRecord('acc', { name: 'Acme', tier: 'gold' }, { id: ACCOUNT_ID, version: 3 });
    documents.on(GetCommand).resolves({ Item: { ...account, pk: `account#${ACCOUNT_ID}`, sk: 'RECORD' } });

    const response = await invoke(getRecord, getAccount());

    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe('"v3"');
    expect(response.body).toEqual(account);
    expect(Object.keys(response.body).slice(0, 3)).toEqual(['id', 'name', 'tier']);
  });

  it('answers 404 for an id of another type without asking DynamoDB', async () => {
    const contactId = testId('con', 1);

    const response = await invoke(
      getRecord,
      getAccount({ rawPath: `/v1/accounts/${contactId}`, pathParameters: { id: contactId } }),
    );

    expectProblem(response, 404, 'not-found');
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('answers an unexpected SDK failure with a 500 that leaks nothing, and logs the real error', async () => {
    const sdkError = Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/junction-api/fn is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-central-1:123456789012:table/records',
      ),
      { name: 'AccessDeniedException' },
    );
    documents.on(GetCommand).rejects(sdkError);
    const logged = vi.spyOn(logger, 'error');

    const response = await invoke(getRecord, getAccount());

    expectProblem(response, 500, 'internal');
    expect(response.body.detail).toBe('The request failed on our side; it is safe to retry.');
    for (const secret of ['arn:aws', '123456789012', 'AccessDenied', 'GetItem', 'records', 'junction-api']) {
      expect(response.raw).not.toContain(secret);
    }
    expect(logged).toHaveBeenCalledWith('request failed', { error: sdkError });
  });
});

describe('request bodies (create)', () => {
  it('creates a record: 201 with its ETag and Location, in one transaction', async () => {
    documents.on(TransactWriteCommand).resolves({});

    const response = await invoke(
      createRecord,
      postAccount(JSON.stringify({ name: '  Globex ', country: 'US' })),
    );

    expect(response.status).toBe(201);
    expect(response.headers.etag).toBe('"v1"');
    expect(response.headers.location).toBe(`/v1/accounts/${response.body.id}`);
    expect(response.body).toMatchObject({
      name: 'Globex',
      country: 'US',
      tier: 'standard',
      version: 1,
      createdBy: 'key_01JDTESTKEY',
    });
    expect(documents).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('accepts a JSON content type with parameters and in any letter case', async () => {
    documents.on(TransactWriteCommand).resolves({});

    const response = await invoke(
      createRecord,
      postAccount(JSON.stringify({ name: 'Globex' }), { 'content-type': 'Application/JSON; charset=utf-8' }),
    );

    expect(response.status).toBe(201);
  });

  it('reads a base64-encoded body as API Gateway sends binary-safe payloads', async () => {
    documents.on(TransactWriteCommand).resolves({});
    const event = {
      ...postAccount(Buffer.from(JSON.stringify({ name: 'Globex' })).toString('base64')),
      isBase64Encoded: true,
    };

    const response = await invoke(createRecord, event);

    expect(response.status).toBe(201);
    expect(response.body.name).toBe('Globex');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
  ])('answers 415 for a %s body', async (_what, contentType) => {
    const response = await invoke(
      createRecord,
      postAccount('{"name":"Globex"}', { 'content-type': contentType }),
    );

    expectProblem(response, 415, 'unsupported-media-type');
    expect(response.body.detail).toContain(`"${contentType}"`);
    expect(response.body.detail).toContain('application/json');
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('answers 415 for a body without a content type', async () => {
    const event = postAccount('{"name":"Globex"}');
    delete event.headers['content-type'];

    const response = await invoke(createRecord, event);

    expectProblem(response, 415, 'unsupported-media-type');
    expect(response.body.detail).toContain('(none)');
  });

  it("answers 400 for malformed JSON, quoting the parser's message", async () => {
    const raw = '{"name": "Globex",}';
    const parserMessage = (() => {
      try {
        JSON.parse(raw);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();

    const response = await invoke(createRecord, postAccount(raw));

    expectProblem(response, 400, 'malformed-json');
    expect(response.body.detail).toBe(`The body is not valid JSON: ${parserMessage}.`);
  });

  it('answers 400 for an empty body', async () => {
    const response = await invoke(createRecord, postAccount(''));

    expectProblem(response, 400, 'bad-request');
    expect(response.body.detail).toBe('This request needs a JSON body.');
  });

  it.each([
    ['an array', '[{"name":"Globex"}]'],
    ['a string', '"Globex"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('answers 400 for a body that is %s, not an object', async (_what, raw) => {
    const response = await invoke(createRecord, postAccount(raw));

    expectProblem(response, 400, 'bad-request');
    expect(response.body.detail).toBe('The body must be a JSON object.');
  });

  it('takes a body of exactly 256 KiB and refuses one byte more with 413, before looking at its type', async () => {
    // {"name":"…"} is 11 bytes around the name.
    const atLimit = JSON.stringify({ name: 'x'.repeat(256 * 1024 - 11) });
    const overLimit = JSON.stringify({ name: 'x'.repeat(256 * 1024 - 10) });

    const accepted = await invoke(createRecord, postAccount(atLimit));
    const refused = await invoke(createRecord, postAccount(overLimit, { 'content-type': 'text/plain' }));

    expect(Buffer.byteLength(atLimit)).toBe(262_144);
    expectProblem(accepted, 422, 'validation-failed');
    expectProblem(refused, 413, 'payload-too-large');
    expect(refused.body.detail).toBe('The request body exceeds 262144 bytes.');
  });

  it('counts the body limit in UTF-8 bytes, not characters', async () => {
    // 100,000 euro signs are 100,000 characters but 300,000 bytes.
    const raw = JSON.stringify({ name: '€'.repeat(100_000) });

    const response = await invoke(createRecord, postAccount(raw));

    expectProblem(response, 413, 'payload-too-large');
  });

  it.each([
    ['a space', 'key with space'],
    ['a non-ASCII character', 'schlüssel-1'],
    ['more than 255 characters', 'k'.repeat(256)],
    ['nothing at all', ''],
  ])('answers 400 for an Idempotency-Key with %s', async (_what, key) => {
    const response = await invoke(createRecord, postAccount('{"name":"Globex"}', { 'idempotency-key': key }));

    expectProblem(response, 400, 'bad-request');
    expect(response.body.detail).toBe('The Idempotency-Key header must be 1–255 printable ASCII characters.');
    expect(documents).not.toHaveReceivedAnyCommand();
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it('claims a valid Idempotency-Key in the idempotency table before writing the record', async () => {
    documents.on(TransactWriteCommand).resolves({});
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});

    const response = await invoke(
      createRecord,
      postAccount('{"name":"Globex"}', { 'idempotency-key': 'order-4711' }),
    );

    expect(response.status).toBe(201);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'idempotency' });
    expect(documents).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('answers 422 with a JSON Pointer and a reason for each invalid field, and writes nothing', async () => {
    const raw = JSON.stringify({ name: '  ', country: 'de', employees: -1, colour: 'red' });

    const response = await invoke(createRecord, postAccount(raw));

    expectProblem(response, 422, 'validation-failed');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/name', detail: 'must not be empty' }),
        expect.objectContaining({ pointer: '/country' }),
        expect.objectContaining({ pointer: '/employees' }),
        { pointer: '/colour', detail: 'is not a known field', code: 'unknown_field' },
      ]),
    );
    expect(response.body.errors).toHaveLength(4);
    expect(documents).not.toHaveReceivedAnyCommand();
  });
});

describe('request bodies (update)', () => {
  it('names the patch media types it accepts on a 415', async () => {
    const event = httpEvent({
      routeKey: 'PATCH /v1/accounts/{id}',
      rawPath: `/v1/accounts/${ACCOUNT_ID}`,
      pathParameters: { id: ACCOUNT_ID },
      headers: { 'content-type': 'application/json-patch+json' },
      body: '[{"op":"replace","path":"/name","value":"Globex"}]',
    });

    const response = await invoke(updateRecord, event);

    expectProblem(response, 415, 'unsupported-media-type');
    expect(response.headers['accept-patch']).toBe('application/merge-patch+json, application/json');
  });
});

describe('query strings (list)', () => {
  it('answers 400 naming an unknown query parameter and the filters there are', async () => {
    const event = httpEvent({
      routeKey: 'GET /v1/accounts',
      rawPath: '/v1/accounts',
      queryStringParameters: { colour: 'red' },
    });

    const response = await invoke(listRecords, event);

    expectProblem(response, 400, 'invalid-query');
    expect(response.body.detail).toContain('filters here: owner');
    expect(response.body.errors).toEqual([
      { pointer: '/colour', detail: 'is not a known field', code: 'unknown_field' },
    ]);
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 for a forged cursor without querying', async () => {
    const cursor = Buffer.from(JSON.stringify({ pk: 'x', sk: 'y', gsi1pk: 'user', gsi1sk: 'z' })).toString(
      'base64url',
    );
    const event = httpEvent({
      routeKey: 'GET /v1/accounts',
      rawPath: '/v1/accounts',
      queryStringParameters: { cursor },
    });

    const response = await invoke(listRecords, event);

    expectProblem(response, 400, 'bad-request');
    expect(response.body.detail).toBe('Invalid cursor: the cursor does not belong to this list.');
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('lists a page with the cursor to the next one', async () => {
    const account = storedRecord('acc', { name: 'Acme' }, { id: ACCOUNT_ID });
    const lastKey = { pk: `account#${ACCOUNT_ID}`, sk: 'RECORD', gsi1pk: 'account', gsi1sk: ACCOUNT_ID };
    documents.on(QueryCommand).resolves({ Items: [{ ...account, ...lastKey }], LastEvaluatedKey: lastKey });
    const event = httpEvent({
      routeKey: 'GET /v1/accounts',
      rawPath: '/v1/accounts',
      queryStringParameters: { limit: '1' },
    });

    const response = await invoke(listRecords, event);

    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([account]);
    expect(JSON.parse(Buffer.from(response.body.nextCursor, 'base64url').toString('utf8'))).toEqual(lastKey);
  });
});
