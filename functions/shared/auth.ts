/**
 * Who is calling. The authorizer (functions/auth) authenticates and passes a small context;
 * handlers turn it into a Principal and check the route's roles. Authentication failures travel
 * in the context rather than as a gateway denial because an HTTP API answers a denial with its
 * own plain-text body, and every error here must be problem+json.
 */
import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { ROLES, type Role } from '#schemas/common';
import { forbidden, HttpProblem, unauthenticated } from './problem.ts';

/** What the authorizer returns as its context; flat primitives, as API Gateway requires. */
export type AuthContext =
  | {
      authenticated: true;
      principalId: string;
      principalName: string;
      role: Role;
      kind: 'api-key' | 'user';
      /** The staff user record the caller acts as; absent or '' when the credential is not a person's. */
      userId?: string;
      /** Extra permissions of an API key, comma-separated (API Gateway contexts hold primitives only). */
      grants?: string;
    }
  | {
      authenticated: false;
      reason: string;
      /** The credential could not be checked (storage unavailable): a 503 to retry, not a 401. */
      unavailable?: boolean;
    };

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthContext | Record<string, never>>;

export interface Principal {
  id: string;
  name: string;
  role: Role;
  kind: 'api-key' | 'user';
  /** The staff user the caller acts as, when the credential belongs to one. */
  userId?: string;
  /** Extra permissions the credential carries (e.g. `products:pricing`). */
  grants?: string[];
}

export function principalOf(event: HttpEvent): Principal {
  const context = event.requestContext.authorizer?.lambda;
  if (!context || !('authenticated' in context)) {
    throw unauthenticated('Send an API key in the x-api-key header, or a bearer token.');
  }
  if (!context.authenticated) {
    if (context.unavailable) {
      throw new HttpProblem(
        503,
        'unavailable',
        'Service unavailable',
        context.reason,
        {},
        { 'retry-after': '2' },
      );
    }
    throw unauthenticated(context.reason);
  }
  if (!(ROLES as readonly string[]).includes(context.role))
    throw forbidden('The credential carries no known role.');
  return {
    id: context.principalId,
    name: context.principalName,
    role: context.role,
    kind: context.kind,
    ...(context.userId ? { userId: context.userId } : {}),
    ...(context.grants ? { grants: context.grants.split(',').filter(Boolean) } : {}),
  };
}

export function requireRole(principal: Principal, allowed: readonly Role[], action: string): void {
  if (!allowed.includes(principal.role)) {
    throw forbidden(`Role "${principal.role}" may not ${action}; allowed: ${allowed.join(', ')}.`);
  }
}
