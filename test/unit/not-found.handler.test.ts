import { describe, expect, it } from 'vitest';
import { handler } from '#functions/api/not-found.handler';
import { httpEvent, parseResponse } from './support/lambda.ts';

/** A request that reached the `$default` route: no declared route matched it. */
const unmatched = async (method: string, rawPath: string) =>
  parseResponse(await handler(httpEvent({ routeKey: `${method} ${rawPath}`, rawPath })));

const allowOf = (header: string | undefined) =>
  (header ?? '')
    .split(',')
    .map((m) => m.trim())
    .sort();

describe('the $default route', () => {
  it('answers 405 with an Allow header listing the methods a record path takes', async () => {
    const response = await unmatched('PUT', '/v1/accounts/acc_01JD0000000000000000000001');

    expect(response.status).toBe(405);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(allowOf(response.headers.allow)).toEqual(['DELETE', 'GET', 'PATCH']);
    expect(response.body).toEqual({
      type: '/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: 'PUT is not allowed on /v1/accounts/acc_01JD0000000000000000000001.',
      instance: '/v1/accounts/acc_01JD0000000000000000000001',
    });
  });

  it.each([
    ['DELETE', '/v1/quotes', ['GET', 'POST']],
    ['POST', '/v1/me', ['GET']],
    ['GET', '/v1/tickets/tkt_1/restore', ['POST']],
    ['DELETE', '/v1/users/usr_1/history', ['GET']],
  ])('answers %s %s with 405 and Allow: %j', async (method, path, allowed) => {
    const response = await unmatched(method, path);

    expect(response.status).toBe(405);
    expect(allowOf(response.headers.allow)).toEqual(allowed);
  });

  it.each([
    ['GET', '/v2/accounts'],
    ['GET', '/v1/spaceships'],
    ['GET', '/v1/accounts/acc_1/notes'],
    ['GET', '/v1/accounts/'],
    ['POST', '/'],
  ])('answers %s %s with 404 problem+json and no Allow header', async (method, path) => {
    const response = await unmatched(method, path);

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers).not.toHaveProperty('allow');
    expect(response.body).toMatchObject({
      type: '/problems/not-found',
      detail: `Nothing at ${method} ${path}.`,
    });
  });

  it('keeps an absurdly long path out of its 404 body beyond 200 characters', async () => {
    const path = `/v9/${'a'.repeat(5_000)}`;

    const response = await unmatched('GET', path);

    expect(response.status).toBe(404);
    expect(response.body.instance).toHaveLength(200);
    expect(response.raw.length).toBeLessThan(1_000);
  });

  it('answers 404, not 405, for a path that only resembles /openapi.json', async () => {
    const response = await unmatched('GET', '/openapi-json');

    expect(response.status).toBe(404);
  });
});
