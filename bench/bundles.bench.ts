/**
 * Each Lambda bundle's minified size and its module-init time in a fresh Node process, beside
 * an empty handler bundled and measured the same way in the same run. Bundles are built with
 * exactly the options the CDK construct deploys (infra/bundling.ts). Targets: ≤ 500 KB and
 * ≤ 150 ms per function.
 *
 * Init is timed as Lambda's init phase would see it: from the start of importing the bundle to
 * its module graph being evaluated, with a Lambda-like environment; the median of several fresh
 * processes is reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLERS } from '#functions/routes';
import { esbuildOptionsFor, PROJECT_ROOT } from '../infra/bundling.ts';
import { fmt, table } from './support/stats.ts';

const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 5);
// Inside the project, so modules left external resolve from node_modules as they would from the runtime on Lambda.
const OUT = join(PROJECT_ROOT, 'bench', '.out');

const LAMBDA_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'junction-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'junction-records',
  IDEMPOTENCY_TABLE_NAME: 'junction-idempotency',
  POWERTOOLS_SERVICE_NAME: 'junction',
  POWERTOOLS_METRICS_NAMESPACE: 'Junction',
};

async function bundle(
  name: string,
  options: ReturnType<typeof esbuildOptionsFor>,
): Promise<{ file: string; bytes: number }> {
  const dir = join(OUT, name.replace(/\//g, '-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  await build({ ...options, outfile: file, write: true, logLevel: 'silent' });
  return { file, bytes: statSync(file).size };
}

/** Milliseconds to import the bundle in a fresh process; median of RUNS. */
function initMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const samples = Array.from({ length: RUNS }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: LAMBDA_ENV,
        cwd: PROJECT_ROOT,
      }).toString(),
    ),
  );
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
}

export async function bundlesBench(): Promise<string> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const emptySource = join(OUT, 'empty.handler.ts');
  writeFileSync(emptySource, 'export const handler = async () => ({ statusCode: 200 });\n');
  const empty = await bundle('empty', { ...esbuildOptionsFor('api/me'), entryPoints: [emptySource] });
  const emptyInit = initMs(empty.file);

  const rows: (string | number)[][] = [
    ['function', 'minified KB', 'init ms (median)', 'init − empty ms', 'size ≤ 500 KB', 'init ≤ 150 ms'],
  ];
  rows.push(['(empty handler)', fmt(empty.bytes / 1024), fmt(emptyInit), '0.0', '', '']);
  let worstSize = 0;
  let worstInit = 0;
  for (const handler of HANDLERS) {
    const { file, bytes } = await bundle(handler, esbuildOptionsFor(handler));
    const init = initMs(file);
    worstSize = Math.max(worstSize, bytes);
    worstInit = Math.max(worstInit, init);
    rows.push([
      handler,
      fmt(bytes / 1024),
      fmt(init),
      fmt(init - emptyInit),
      bytes <= 500 * 1024 ? 'yes' : 'NO',
      init <= 150 ? 'yes' : 'NO',
    ]);
  }
  return [
    `Lambda bundles — esbuild as deployed (minified ESM, AWS SDK bundled but for its unused credential providers); init = median of ${RUNS} fresh Node ${process.version} processes`,
    table(rows),
    `largest bundle ${fmt(worstSize / 1024)} KB (target ≤ 500), slowest init ${fmt(worstInit)} ms (target ≤ 150)`,
  ].join('\n');
}
