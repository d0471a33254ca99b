import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { createHash, randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authorizerEvent } from './support/lambda.ts';

// The Cognito verifier fetches the user pool's keys over HTTPS; unit tests decide what it says.
const verify = vi.hoisted(() => vi.fn());
const createVerifier = vi.hoisted(() => vi.fn(() => ({ verify })));
vi.mock('aws-jwt-verify', () => ({ CognitoJwtVerifier: { create: createVerifier } }));

const ddb = mockClient(DynamoDBDocumentClient);

/** A fresh key in the issued format: `jct_` and 40 base64url characters. */
const newKey = () => `jct_${randomBytes(30).toString('base64url')}`;
const digestKey = (key: string) => ({
  pk: `APIKEY#${createHash('sha256').update(key, 'utf8').digest('hex')}`,
  sk: 'APIKEY',
});

type Handler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<{
  isAuthorized: boolean;
  context: Record<string, unknown>;
}>;

/** Loads the authorizer as a cold start would, with the given environment. */
async function coldStart(env: Record<string, string> = {}): Promise<Handler> {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const module = await import('#functions/auth/authorizer.handler');
  return module.handler;
}

beforeEach(() => {
  ddb.reset();
  verify.mockReset();
  createVerifier.mockClear();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe('authorizer: API keys', () => {
  it('authenticates a valid key, looked up by its SHA-256 digest, with the role it was issued for', async () => {
    // Prepare
    const handler = await coldStart();
    const key = newKey();
    ddb.on(GetCommand, { TableName: 'records', Key: digestKey(key) }).resolves({
      Item: {
        ...digestKey(key),
        entity: 'api-key',
        keyId: 'key_01JDFINANCE',
        name: 'ERP connector',
        role: 'finance',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    // Act
    const result = await handler(authorizerEvent({ 'x-api-key': key }));

    // Assess
    expect(result).toEqual({
      isAuthorized: true,
      context: {
        authenticated: true,
        principalId: 'key_01JDFINANCE',
        principalName: 'ERP connector',
        role: 'finance',
        kind: 'api-key',
        userId: '',
      },
    });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: 'records',
      Key: digestKey(key),
    });
  });

  it("carries the staff user a person's key acts for", async () => {
    const handler = await coldStart();
    const key = newKey();
    const userId = 'usr_01JD0000000000000000000007';
    ddb.on(GetCommand).resolves({
      Item: {
        keyId: 'key_01JDADA',
        name: 'Ada',
        role: 'sales',
        userId,
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    const result = await handler(authorizerEvent({ 'x-api-key': key }));

    expect(result.context).toMatchObject({ authenticated: true, kind: 'api-key', userId });
  });

  it('never sends the key itself to the table, only its digest', async () => {
    const handler = await coldStart();
    const key = newKey();
    ddb.on(GetCommand).resolves({});

    await handler(authorizerEvent({ 'x-api-key': key }));

    const sent = JSON.stringify(ddb.commandCalls(GetCommand)[0]?.args[0].input);
    expect(sent).not.toContain(key);
    expect(sent).not.toContain(key.slice(4));
  });

  it('refuses an unknown key with a reason, and lets API Gateway pass the refusal on', async () => {
    const handler = await coldStart();
    ddb.on(GetCommand).resolves({});

    const result = await handler(authorizerEvent({ 'x-api-key': newKey() }));

    expect(result).toEqual({
      isAuthorized: true,
      context: { authenticated: false, reason: 'The API key is not valid.' },
    });
  });

  it('refuses a revoked key with a reason that says so', async () => {
    const handler = await coldStart();
    const key = newKey();
    ddb.on(GetCommand).resolves({
      Item: {
        keyId: 'key_01JDOLD',
        name: 'Old connector',
        role: 'integration',
        createdAt: '2025-01-01T00:00:00.000Z',
        revokedAt: '2026-02-01T00:00:00.000Z',
      },
    });

    const result = await handler(authorizerEvent({ 'x-api-key': key }));

    expect(result.context).toEqual({ authenticated: false, reason: 'The API key was revoked.' });
  });

  it.each([
    ['no prefix', randomBytes(30).toString('base64url')],
    ['too short', 'jct_abc'],
    ['characters outside base64url', `jct_${'+'.repeat(40)}`],
    ['a trailing newline', `${newKey()}\n`],
    ['an injection attempt', 'jct_" OR 1=1 --'],
  ])('refuses a malformed key (%s) without a database call', async (_what, key) => {
    const handler = await coldStart();

    const result = await handler(authorizerEvent({ 'x-api-key': key }));

    expect(result.context).toEqual({ authenticated: false, reason: 'The API key is not valid.' });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('remembers a valid key for API_KEY_CACHE_SECONDS, then looks it up again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T09:00:00Z'));
    const handler = await coldStart({ API_KEY_CACHE_SECONDS: '30' });
    const key = newKey();
    ddb.on(GetCommand).resolves({
      Item: {
        keyId: 'key_01JDSALES',
        name: 'Web form',
        role: 'sales',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    await handler(authorizerEvent({ 'x-api-key': key }));
    vi.setSystemTime(new Date('2026-03-01T09:00:29Z'));
    const cached = await handler(authorizerEvent({ 'x-api-key': key }));
    vi.setSystemTime(new Date('2026-03-01T09:00:31Z'));
    await handler(authorizerEvent({ 'x-api-key': key }));

    expect(cached.context).toMatchObject({ authenticated: true, role: 'sales' });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
  });

  it('does not remember an unknown key, so a key issued a moment later works at once', async () => {
    const handler = await coldStart();
    const key = newKey();
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({
        Item: { keyId: 'key_01JDNEW', name: 'New', role: 'support', createdAt: '2026-03-01T00:00:00.000Z' },
      });

    const before = await handler(authorizerEvent({ 'x-api-key': key }));
    const after = await handler(authorizerEvent({ 'x-api-key': key }));

    expect(before.context).toMatchObject({ authenticated: false });
    expect(after.context).toMatchObject({ authenticated: true, role: 'support' });
  });

  it('looks the key up on every request when API_KEY_CACHE_SECONDS is 0', async () => {
    const handler = await coldStart({ API_KEY_CACHE_SECONDS: '0' });
    const key = newKey();
    ddb.on(GetCommand).resolves({
      Item: {
        keyId: 'key_01JDSALES',
        name: 'Web form',
        role: 'sales',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    await handler(authorizerEvent({ 'x-api-key': key }));
    await handler(authorizerEvent({ 'x-api-key': key }));

    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
  });
});

describe('authorizer: no credentials', () => {
  it('says how to authenticate when the request carries no credentials', async () => {
    const handler = await coldStart();

    const result = await handler(authorizerEvent({}));

    expect(result).toEqual({
      isAuthorized: true,
      context: {
        authenticated: false,
        reason: 'Send an API key in the x-api-key header, or a bearer token.',
      },
    });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('treats an Authorization header of another scheme as no credentials', async () => {
    const handler = await coldStart();

    const result = await handler(authorizerEvent({ authorization: 'Basic YWRhOnNlY3JldA==' }));

    expect(result.context).toMatchObject({
      authenticated: false,
      reason: expect.stringContaining('x-api-key'),
    });
  });
});

describe('authorizer: bearer tokens', () => {
  it('refuses a bearer token when no user pool is configured, without trying to verify it', async () => {
    const handler = await coldStart();

    const result = await handler(authorizerEvent({ authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' }));

    expect(result.context).toEqual({
      authenticated: false,
      reason: 'Bearer tokens are not accepted here; use an API key.',
    });
    expect(createVerifier).not.toHaveBeenCalled();
    expect(verify).not.toHaveBeenCalled();
  });

  const withPool = { USER_POOL_ID: 'eu-central-1_AbCdEf123', USER_POOL_CLIENT_ID: 'client123' };

  it('verifies access tokens against the configured user pool and client', async () => {
    await coldStart(withPool);

    expect(createVerifier).toHaveBeenCalledWith({
      userPoolId: 'eu-central-1_AbCdEf123',
      clientId: 'client123',
      tokenUse: 'access',
    });
  });

  it('authenticates a staff member with the first group that names a role', async () => {
    const handler = await coldStart(withPool);
    ddb.on(GetCommand).resolves({}); // no user record names this sub
    verify.mockResolvedValue({
      sub: 'sub-123',
      username: 'ada',
      'cognito:groups': ['beta-testers', 'manager', 'sales'],
    });

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(verify).toHaveBeenCalledWith('token-123');
    expect(result.context).toEqual({
      authenticated: true,
      principalId: 'sub-123',
      principalName: 'ada',
      role: 'manager',
      kind: 'user',
      userId: '',
    });
  });

  it('links a staff token to the user record that names its Cognito sub', async () => {
    const handler = await coldStart(withPool);
    const userId = 'usr_01JD0000000000000000000007';
    verify.mockResolvedValue({
      sub: 'Sub-123',
      username: 'ada',
      email: 'Ada@Example.com',
      'cognito:groups': ['sales'],
    });
    ddb
      .on(GetCommand, {
        TableName: 'records',
        Key: { pk: 'UNIQUE#user#cognitoSub#sub-123', sk: 'UNIQUE' },
      })
      .resolves({ Item: { entity: 'unique', recordId: userId } });

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(result.context).toEqual({
      authenticated: true,
      principalId: 'Sub-123',
      principalName: 'Ada@Example.com',
      role: 'sales',
      kind: 'user',
      userId,
    });
  });

  it('never links a token by its email claim: a matching email with an unknown sub gets no staff identity', async () => {
    const handler = await coldStart(withPool);
    verify.mockResolvedValue({
      sub: 'sub-of-someone-else',
      email: 'ada@example.com',
      'cognito:groups': ['manager'],
    });
    ddb
      .on(GetCommand, { Key: { pk: 'UNIQUE#user#email#ada@example.com', sk: 'UNIQUE' } })
      .resolves({ Item: { entity: 'unique', recordId: 'usr_01JD0000000000000000000007' } })
      .on(GetCommand, { Key: { pk: 'UNIQUE#user#cognitoSub#sub-of-someone-else', sk: 'UNIQUE' } })
      .resolves({});

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(result.context).toMatchObject({ authenticated: true, role: 'manager', userId: '' });
  });

  it('authenticates a staff token whose email belongs to no user record, without a user id', async () => {
    const handler = await coldStart(withPool);
    verify.mockResolvedValue({
      sub: 'sub-123',
      email: 'new.hire@example.com',
      'cognito:groups': ['support'],
    });
    ddb.on(GetCommand).resolves({});

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(result.context).toMatchObject({ authenticated: true, role: 'support', userId: '' });
  });

  it('carries an API key’s grants to the API', async () => {
    const handler = await coldStart();
    const key = newKey();
    ddb.on(GetCommand, { TableName: 'records', Key: digestKey(key) }).resolves({
      Item: {
        ...digestKey(key),
        entity: 'api-key',
        keyId: 'key_01JDERP',
        name: 'ERP',
        role: 'integration',
        grants: ['products:pricing'],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    const result = await handler(authorizerEvent({ 'x-api-key': key }));

    expect(result.context).toMatchObject({
      authenticated: true,
      role: 'integration',
      grants: 'products:pricing',
    });
  });

  it('refuses a token whose groups name no role', async () => {
    const handler = await coldStart(withPool);
    verify.mockResolvedValue({ sub: 'sub-123', username: 'ada', 'cognito:groups': ['beta-testers'] });

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(result.context).toEqual({
      authenticated: false,
      reason: 'The token carries no group that names a role.',
    });
  });

  it('refuses a token the verifier rejects, without saying why', async () => {
    const handler = await coldStart(withPool);
    verify.mockRejectedValue(new Error('Token expired at 2026-03-01T08:00:00Z for sub-123'));

    const result = await handler(authorizerEvent({ authorization: 'Bearer token-123' }));

    expect(result.context).toEqual({
      authenticated: false,
      reason: 'The bearer token is not valid or has expired.',
    });
  });

  it('reads the "bearer" scheme case-insensitively as RFC 9110 §11.1 requires', async () => {
    const handler = await coldStart(withPool);
    ddb.on(GetCommand).resolves({});
    verify.mockResolvedValue({ sub: 'sub-123', username: 'ada', 'cognito:groups': ['sales'] });

    const result = await handler(authorizerEvent({ authorization: 'bearer token-123' }));

    expect(result.context).toMatchObject({ authenticated: true, role: 'sales' });
  });
});
