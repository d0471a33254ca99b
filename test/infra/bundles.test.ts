import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '#functions/routes';
import {
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  esbuildOptionsFor,
  PROJECT_ROOT,
} from '../../infra/bundling.ts';
import {
  type CfnResourceJson,
  logicalIdOf,
  type Synthesized,
  synthesize,
  variablesOf,
} from './support/synth.ts';

/** Values shaped like the real ones, for variables whose format the code checks at start-up. */
const PLACEHOLDERS: Record<string, string> = { USER_POOL_ID: 'eu-west-1_Example01' };

describe('function bundles', () => {
  let synthesized: Synthesized;
  let assetDir: (handler: string) => string;
  let resourceOf: (handler: string) => CfnResourceJson;

  beforeAll(() => {
    synthesized = synthesize({ bundle: true });
    // Lambda provides the AWS SDK to the bundles; here the project's node_modules stands in.
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(synthesized.outdir, 'node_modules'), 'dir');
    resourceOf = (handler) => {
      const fn = synthesized.api.functions.get(handler);
      const resources =
        fn && (synthesized.templateOf(fn).toJSON().Resources as Record<string, CfnResourceJson>);
      const resource = fn && resources?.[logicalIdOf(fn)];
      if (!resource) throw new Error(`no function for ${handler}`);
      return resource;
    };
    assetDir = (handler) =>
      join(synthesized.outdir, resourceOf(handler).Metadata?.['aws:asset:path'] as string);
  });
  afterAll(() => synthesized?.cleanUp());

  it('bundles every handler into one ES module with its source map and nothing else', () => {
    for (const handler of HANDLERS) {
      expect(readdirSync(assetDir(handler)).sort(), handler).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(assetDir(handler), 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER), handler).toBe(true);
      expect(code, handler).toMatch(
        /export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{[^}]*\bhandler\b[^}]*\}/,
      );
    }
  });

  it('bundles exactly as esbuildOptionsFor describes, so the benchmark measures what is deployed', async () => {
    for (const handler of HANDLERS) {
      const result = await build({
        ...esbuildOptionsFor(handler),
        write: false,
        outfile: join(synthesized.outdir, 'bench-check', 'index.mjs'),
        logLevel: 'error',
      });
      const ours = result.outputFiles.find((file) => file.path.endsWith('index.mjs'))?.text;
      const deployed = readFileSync(join(assetDir(handler), 'index.mjs'), 'utf8');
      expect(ours === deployed, `${handler}: esbuildOptionsFor differs from the construct`).toBe(true);
    }
  });

  it('keeps what only writes need out of the handlers that read records and admin documents', async () => {
    // A ticket write brings the SLA (luxon, the Step Functions client); record reads and the admin
    // documents do not, and every kilobyte is parsed and compiled on each cold start.
    const readers = [
      'records/get-record',
      'records/list-records',
      'records/record-history',
      'admin/get-document',
      'admin/list-documents',
    ];
    for (const handler of readers) {
      const result = await build({
        ...esbuildOptionsFor(handler),
        write: false,
        metafile: true,
        outfile: join(synthesized.outdir, 'reader-check', 'index.mjs'),
        logLevel: 'error',
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.length, handler).toBeGreaterThan(50);
      expect(
        inputs.filter((path) =>
          /node_modules\/(luxon|@aws-sdk\/client-sfn)\/|functions\/tickets\//.test(path),
        ),
        handler,
      ).toEqual([]);
    }
  });

  it('bundles the AWS SDK and leaves out only the credential providers Lambda never uses', () => {
    const code = readFileSync(join(assetDir('records/get-record'), 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(code).toContain('TransactWriteItems');
    const external = [...code.matchAll(/(?:from|import\(|require\()\s*"(@(?:aws-sdk|smithy)\/[^"]+)"/g)].map(
      (m) => m[1],
    );
    // The credential chain still names the lazy providers; they just are not in the bundle.
    expect(external.length).toBeGreaterThan(0);
    for (const name of external) expect(EXTERNAL_MODULES, name).toContain(name);
  });

  it('starts every function with exactly the environment its template gives it', () => {
    // Each bundle is imported by a fresh Node process with the function's variables (references
    // to other resources become placeholders), as Lambda does at a cold start. A variable the
    // code needs at start-up but the stack forgot fails here, not in production.
    for (const handler of HANDLERS) {
      const variables = variablesOf(resourceOf(handler));
      const env = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : (PLACEHOLDERS[name] ?? `placeholder-${name.toLowerCase()}`),
        ]),
      );
      const entry = join(assetDir(handler), 'index.mjs');
      expect(existsSync(entry)).toBe(true);
      const answer = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'eu-west-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...env,
          },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      expect(answer.trim(), handler).toBe('function');
    }
  });
});
