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
 * The AWS SDK v3 is left out of the bundles and taken from the nodejs22.x runtime, which ships
 * all of it. Measured with these settings, bundling it adds about 340 KB minified to every
 * function but the not-found one (its core, the credential-provider chain, and the nested STS
 * and SSO clients that Lambda's environment credentials never use): that alone puts each of them
 * above the 500 KB per-function target. The price is that Lambda, not
 * package-lock.json, picks the SDK version in production; the handlers use only long-stable
 * DynamoDB calls, so that drift is harmless. If a handler ever needs a newer SDK feature than
 * the runtime has, empty this list: the SDK is then bundled and pinned.
 * `@smithy/*` stays bundled: the few bytes of it that other packages import directly would
 * otherwise have to resolve against the runtime's copy.
 */
export const EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*'];

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
