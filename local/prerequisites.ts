/**
 * What `npm start` and `npm test` need from the machine beyond Node, checked before anything runs
 * (npm runs this as `prestart` / `pretest`):
 *
 *   - Java 17+ for DynamoDB Local (start and test);
 *   - a Chromium for the browser tests (test only).
 *
 * What is missing is installed from Debian's packages when this machine can (apt-get, as root or
 * with passwordless sudo): `openjdk-17-jre-headless`, `chromium`. Otherwise it stops with one line
 * saying what to install, before a single test runs. `CHROMIUM_PATH` names a Chromium or Chrome
 * elsewhere; `JUNCTION_NO_INSTALL=1` never installs, only says.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';

export type Purpose = 'start' | 'test';

/** What the checks may ask of the machine; injected so the decisions are testable. */
export interface Machine {
  env: Record<string, string | undefined>;
  /** The major version `java -version` reports, or undefined when there is no Java. */
  javaMajor(): number | undefined;
  isExecutable(path: string): boolean;
  /** apt-get is there and we may run it (root, or sudo without a password). */
  canInstall(): boolean;
  hasBrowserTests(): boolean;
}

export interface Need {
  what: string;
  why: string;
  debianPackage: string;
  /** Said when it cannot be installed here. */
  instruction: string;
}

export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function findChromium(machine: Pick<Machine, 'env' | 'isExecutable'>): string | undefined {
  const named = machine.env.CHROMIUM_PATH;
  if (named) return machine.isExecutable(named) ? named : undefined;
  return CHROMIUM_CANDIDATES.find((path) => machine.isExecutable(path));
}

/** What this purpose needs that the machine lacks. */
export function missing(purpose: Purpose, machine: Machine): Need[] {
  const needs: Need[] = [];
  const java = machine.javaMajor();
  if (java === undefined || java < 17)
    needs.push({
      what: 'Java 17 or newer',
      why: `DynamoDB Local runs on it${java === undefined ? '' : ` (found Java ${java})`}`,
      debianPackage: 'openjdk-17-jre-headless',
      instruction: 'install Java 17+ (Debian: sudo apt-get install openjdk-17-jre-headless)',
    });
  if (purpose === 'test' && machine.hasBrowserTests() && !findChromium(machine))
    needs.push({
      what: 'Chromium',
      why: machine.env.CHROMIUM_PATH
        ? `the browser tests run in it, and CHROMIUM_PATH=${machine.env.CHROMIUM_PATH} is not an executable`
        : 'the browser tests run in it',
      debianPackage: 'chromium',
      instruction:
        'install Debian’s Chromium (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary',
    });
  return needs;
}

const run = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

const realMachine: Machine = {
  env: process.env,
  javaMajor() {
    const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
    const result = run(java, ['-version']);
    if (result.error || result.status !== 0) return undefined;
    const version = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
    if (!version) return undefined;
    const major = Number(version[1]);
    return major === 1 ? Number(version[2]) : major;
  },
  isExecutable(path) {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  canInstall() {
    if (run('sh', ['-c', 'command -v apt-get']).status !== 0) return false;
    return process.getuid?.() === 0 || run('sudo', ['-n', 'true']).status === 0;
  },
  hasBrowserTests() {
    try {
      return readdirSync('test/browser').some((f) => f.endsWith('.test.ts'));
    } catch {
      return false;
    }
  },
};

/** The Chromium this machine has (CHROMIUM_PATH, else the usual places), if any. */
export const chromiumPath = (): string | undefined => findChromium(realMachine);

function install(packages: string[]): boolean {
  const root = process.getuid?.() === 0;
  const asRoot = (args: string[]) =>
    spawnSync(root ? (args[0] as string) : 'sudo', root ? args.slice(1) : ['-n', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  return (
    asRoot(['apt-get', 'update', '-qq']) &&
    asRoot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])
  );
}

/** Checks, installs what it can, and answers the process exit code. */
export function preflight(purpose: Purpose): number {
  const needs = missing(purpose, realMachine);
  if (needs.length === 0) return 0;
  const packages = needs.map((n) => n.debianPackage);
  if (process.env.JUNCTION_NO_INSTALL !== '1' && realMachine.canInstall()) {
    for (const need of needs)
      console.log(
        `npm ${purpose}: installing ${need.debianPackage} from Debian (${need.what}: ${need.why})…`,
      );
    if (install(packages) && missing(purpose, realMachine).length === 0) return 0;
    console.error(`npm ${purpose}: installing ${packages.join(' ')} failed; see apt-get's message above.`);
    return 1;
  }
  for (const need of needs)
    console.error(`npm ${purpose} needs ${need.what} (${need.why}): ${need.instruction}.`);
  return 1;
}
