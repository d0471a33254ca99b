/**
 * How every Lambda handler is bundled, declared once. The CDK construct (NodejsFunction, which
 * runs the esbuild CLI) and the bundle-size benchmark (esbuild's JS API) both take their settings
 * from here, so the sizes the benchmark reports are the sizes that get deployed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: the directory holding package.json and package-lock.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda's nodejs22.x runtime: esbuild may emit anything Node 22 understands. */
export const BUNDLE_TARGET = 'node22';

/**
 * The AWS SDK v3 is bundled and pinned by package-lock.json, except for the credential providers
 * the SDK loads lazily and Lambda never reaches: a function's credentials come from environment
 * variables, so the INI-file, process, SSO, web-identity, container and instance-metadata
 * providers (and the nested STS/SSO clients and token providers behind them) are left out and
 * would resolve from the runtime's SDK if anything ever asked for them.
 *
 * Measured (`npm run bench bundles`, Node 20, idle 2-core machine): taking the whole SDK from
 * the runtime keeps every bundle near 400 KB but costs 170–270 ms of init, almost all of it
 * Node resolving and loading the SDK's many CommonJS files; bundled, the same functions start
 * in about 95–120 ms. Init is what a caller waits for on a cold start; bundle size matters only
 * through it, so the SDK is bundled.
 */
export const EXTERNAL_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@aws-sdk/client-sso',
  '@smithy/credential-provider-imds',
];

/**
 * ESM output, so top-level await works and Node loads the bundle without a CommonJS wrapper.
 * CommonJS dependencies bundled into it (the X-Ray SDK, for one) still call `require` for Node
 * built-ins, which an ES module does not have: the banner provides one. The import is aliased so
 * it cannot collide with a `createRequire` binding in the bundled code.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __junctionCreateRequire } from 'node:module'; const require = __junctionCreateRequire(import.meta.url);";

/**
 * Prefer the ES module build of a dependency when it ships both: esbuild can drop unused
 * exports from ES modules, not from CommonJS.
 */
export const MAIN_FIELDS: readonly string[] = ['module', 'main'];

/** The file a handler name (as listed in functions/routes.ts HANDLERS) is built from. */
export function handlerEntry(handler: string): string {
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(handler)) {
    throw new Error(`"${handler}" is not a handler name such as "records/get-record"`);
  }
  const entry = join(PROJECT_ROOT, 'functions', `${handler}.handler.ts`);
  if (!existsSync(entry)) throw new Error(`No handler file for "${handler}": ${entry} does not exist`);
  return entry;
}

/**
 * The esbuild options the construct uses for one handler, for esbuild's JS API. The caller adds
 * where the output goes (`outfile` or `outdir`, `write`, `metafile`); the output file must be
 * named `index.mjs`, as on Lambda, for the source map reference to match.
 */
export function esbuildOptionsFor(handler: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [handlerEntry(handler)],
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...EXTERNAL_MODULES],
    mainFields: [...MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
  };
}

/**
 * The same settings in NodejsFunction's terms. Source maps without their sources: stack traces
 * need only the mappings, and the sources would double the upload.
 */
export function lambdaBundling(): BundlingOptions {
  return {
    target: BUNDLE_TARGET,
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    externalModules: [...EXTERNAL_MODULES],
    mainFields: [...MAIN_FIELDS],
    banner: ESM_REQUIRE_BANNER,
  };
}
