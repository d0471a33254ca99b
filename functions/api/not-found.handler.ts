/**
 * The `$default` route: anything no other route matched. Answers problem+json — 405 with an
 * Allow header when the path exists under another method, 404 otherwise — instead of the
 * gateway's plain-text reply.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES } from '../routes.ts';
import { HttpProblem, notFound } from '../shared/problem.ts';

const matchers = ROUTES.map((route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
}));

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const path = event.rawPath;
  const allowed = matchers.filter((m) => m.pattern.test(path)).map((m) => m.method);
  const problem =
    allowed.length > 0
      ? new HttpProblem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${event.requestContext.http.method} is not allowed on ${path.slice(0, 200)}.`,
          {},
          {
            allow: [...new Set(allowed)].join(', '),
          },
        )
      : notFound(`Nothing at ${event.requestContext.http.method} ${path.slice(0, 200)}.`);
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
    body: JSON.stringify(problem.toBody(path.slice(0, 200))),
  };
};
