/**
 * The static checks, as part of `npm test` (and so of CI): the type checker in strict mode and
 * Biome's lint and format rules over the whole repository. A failure prints what they said.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

async function outcome(command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(bin(command), args, { cwd: root, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

describe('the static checks', () => {
  it('type-check (tsc --noEmit, strict)', async () => {
    const { code, output } = await outcome('tsc', ['--noEmit', '-p', '.']);
    expect(code, output).toBe(0);
  });

  it('lint and format (biome check .)', async () => {
    const { code, output } = await outcome('biome', ['check', '.']);
    expect(code, output).toBe(0);
  });
});
