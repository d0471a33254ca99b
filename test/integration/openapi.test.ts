/**
 * The OpenAPI document is valid OpenAPI 3.1, lists every route the API serves, and describes
 * what the API really answers: live responses are validated against the documented schemas.
 */
import { validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { createAccount, createProduct, validQuote } from '../support/fixtures.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked generically
type Doc = any;

let hub: TestHub;
let doc: Doc;
beforeAll(async () => {
  hub = await startTestHub();
  doc = (await hub.api.get('/openapi.json', { as: null })).body;
});
afterAll(() => hub?.stop());

function responseValidator(path: string, method: string, status: number) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [name, schema] of Object.entries(doc.components.schemas))
    ajv.addSchema(schema as object, `#/components/schemas/${name}`);
  const content = doc.paths[path][method].responses[String(status)].content;
  const schema = (content['application/json'] ?? content['application/problem+json']).schema;
  return ajv.compile(schema);
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));

    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it('documents every route with its method, and no route that does not exist', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = ROUTES.map((r) => `${r.method} ${r.path}`);

    expect(documented.sort()).toEqual(served.sort());
  });

  it('names the roles each route admits and the security schemes', () => {
    expect(doc.paths['/v1/quotes'].post['x-roles']).toEqual(['admin', 'manager', 'sales']);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
  });

  it('describes the quote a create really returns', async () => {
    const created = await hub.api.post(
      '/v1/quotes',
      validQuote(await createAccount(hub.api), await createProduct(hub.api)),
    );
    const check = responseValidator('/v1/quotes', 'post', 201);

    expect(check(created.body), JSON.stringify(check.errors)).toBe(true);
  });

  it('describes the lists, histories and problems the API really returns', async () => {
    const id = await createAccount(hub.api);
    const list = await hub.api.get('/v1/accounts');
    const history = await hub.api.get(`/v1/accounts/${id}/history`);
    const problem = await hub.api.post('/v1/accounts', { name: 7 });

    for (const [body, check] of [
      [list.body, responseValidator('/v1/accounts', 'get', 200)],
      [history.body, responseValidator('/v1/accounts/{id}/history', 'get', 200)],
      [problem.body, responseValidator('/v1/accounts', 'post', 422)],
    ] as const) {
      expect(check(body), JSON.stringify(check.errors)).toBe(true);
    }
  });
});
