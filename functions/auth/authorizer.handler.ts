/**
 * HTTP API Lambda authorizer (simple responses). Accepts an API key (`x-api-key`, stored hashed)
 * or a Cognito access token (`Authorization: Bearer …`, verified against the user pool; the
 * first group that names a role is the role).
 *
 * One authorizer handles both because an HTTP API route takes a single authorizer, and staff
 * (JWT) and external systems (API keys) call the same routes. It always allows the request and
 * reports the outcome in the context: the API then answers 401/403 as problem+json.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import * as z from 'zod';
import { loadConfig, TableEnv } from '#platform/config';
import { logger } from '#platform/observability';
import { ROLES, type Role } from '#schemas/common';
import { ApiKeyStore } from '#store/api-key-store';
import { documents } from '#store/dynamodb';
import { RecordStore } from '#store/record-store';
import type { AuthContext } from '../shared/auth.ts';

const config = loadConfig(
  TableEnv.extend({
    USER_POOL_ID: z.string().optional(),
    USER_POOL_CLIENT_ID: z.string().optional(),
    API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  }),
);

const keys = new ApiKeyStore(documents, config.TABLE_NAME);
const records = new RecordStore(documents, config.TABLE_NAME);

const jwtVerifier =
  config.USER_POOL_ID && config.USER_POOL_CLIENT_ID
    ? CognitoJwtVerifier.create({
        userPoolId: config.USER_POOL_ID,
        clientId: config.USER_POOL_CLIENT_ID,
        tokenUse: 'access',
      })
    : undefined;

type Result = APIGatewaySimpleAuthorizerWithContextResult<AuthContext>;
const deny = (reason: string): Result => ({ isAuthorized: true, context: { authenticated: false, reason } });

/**
 * Valid keys are remembered for API_KEY_CACHE_SECONDS per warm instance, as API Gateway's
 * authorizer cache would (it cannot be used here: credentials arrive in different headers, and
 * its identity sources must all be present). A revoked key therefore stops working within that
 * time. Unknown keys are never cached, so a new key works at once.
 */
const cache = new Map<string, { result: Result; until: number }>();
const CACHE_LIMIT = 1000;

async function fromApiKey(key: string): Promise<Result> {
  const cached = cache.get(key);
  if (cached && cached.until > Date.now()) return cached.result;
  const result = await lookUpApiKey(key);
  if (config.API_KEY_CACHE_SECONDS > 0 && result.context.authenticated) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, { result, until: Date.now() + config.API_KEY_CACHE_SECONDS * 1000 });
  }
  return result;
}

const unavailable = (error: unknown): Result => {
  logger.error('credentials could not be checked', { error });
  return {
    isAuthorized: true,
    context: {
      authenticated: false,
      unavailable: true,
      reason: 'Credentials cannot be checked right now; retry shortly.',
    },
  };
};

async function lookUpApiKey(key: string): Promise<Result> {
  let record: Awaited<ReturnType<ApiKeyStore['find']>>;
  try {
    record = await keys.find(key);
  } catch (error) {
    return unavailable(error);
  }
  if (!record) return deny('The API key is not valid.');
  if (record.revokedAt) return deny('The API key was revoked.');
  return {
    isAuthorized: true,
    context: {
      authenticated: true,
      principalId: record.keyId,
      principalName: record.name,
      role: record.role,
      kind: 'api-key',
      userId: record.userId ?? '',
      ...(record.grants?.length ? { grants: record.grants.join(',') } : {}),
    },
  };
}

async function fromBearer(token: string): Promise<Result> {
  if (!jwtVerifier) return deny('Bearer tokens are not accepted here; use an API key.');
  let payload: Awaited<ReturnType<NonNullable<typeof jwtVerifier>['verify']>>;
  try {
    payload = await jwtVerifier.verify(token);
  } catch {
    return deny('The bearer token is not valid or has expired.');
  }
  const groups = (payload['cognito:groups'] as string[] | undefined) ?? [];
  const role = groups.find((g): g is Role => (ROLES as readonly string[]).includes(g));
  if (!role) return deny('The token carries no group that names a role.');
  // The staff user is the one whose record names this Cognito sub: the sub never changes, while
  // an email claim can be edited by whoever manages the pool (or, with some settings, the user).
  let userId = '';
  try {
    userId = (await records.findUnique('user', 'cognitoSub', payload.sub)) ?? '';
  } catch (error) {
    return unavailable(error);
  }
  return {
    isAuthorized: true,
    context: {
      authenticated: true,
      principalId: payload.sub,
      principalName: (payload.email ?? payload.username ?? payload.sub) as string,
      role,
      kind: 'user',
      userId,
    },
  };
}

export const handler = async (event: APIGatewayRequestAuthorizerEventV2): Promise<Result> => {
  const headers = event.headers ?? {};
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  if (apiKey) return fromApiKey(apiKey);
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const bearer = authorization ? /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (bearer) return fromBearer(bearer);
  logger.debug('request without credentials', { routeKey: event.routeKey });
  return deny('Send an API key in the x-api-key header, or a bearer token.');
};
