import { describe, expect, it } from 'vitest';
import { findChromium, type Machine, missing } from '#local/prerequisites';

const machine = (over: Partial<Machine> & { executables?: string[] } = {}): Machine => ({
  env: {},
  javaMajor: () => 17,
  isExecutable: (path) => (over.executables ?? []).includes(path),
  canInstall: () => false,
  hasBrowserTests: () => true,
  ...over,
});

describe('what npm start and npm test need from the machine', () => {
  it('needs nothing on a machine with Java 17 and Debian’s Chromium', () => {
    expect(missing('test', machine({ executables: ['/usr/bin/chromium'] }))).toEqual([]);
  });

  it('asks the tests for Chromium, but not npm start', () => {
    expect(missing('test', machine()).map((n) => n.debianPackage)).toEqual(['chromium']);
    expect(missing('start', machine())).toEqual([]);
  });

  it('asks for Java when there is none or it is older than 17, for both', () => {
    const old = machine({ javaMajor: () => 11, executables: ['/usr/bin/chromium'] });
    expect(missing('start', old)).toEqual([
      expect.objectContaining({
        debianPackage: 'openjdk-17-jre-headless',
        why: expect.stringContaining('found Java 11'),
      }),
    ]);
    expect(
      missing('test', machine({ javaMajor: () => undefined, executables: ['/usr/bin/chromium'] })),
    ).toHaveLength(1);
  });

  it('does not need Chromium when there are no browser tests', () => {
    expect(missing('test', machine({ hasBrowserTests: () => false }))).toEqual([]);
  });

  it('uses CHROMIUM_PATH when set, and does not fall back when it names nothing runnable', () => {
    expect(
      findChromium(machine({ env: { CHROMIUM_PATH: '/opt/chrome' }, executables: ['/opt/chrome'] })),
    ).toBe('/opt/chrome');
    const wrong = machine({ env: { CHROMIUM_PATH: '/nope' }, executables: ['/usr/bin/chromium'] });
    expect(findChromium(wrong)).toBeUndefined();
    expect(missing('test', wrong)[0]?.why).toContain('CHROMIUM_PATH=/nope is not an executable');
  });

  it('finds Chrome where Chromium is not', () => {
    expect(findChromium(machine({ executables: ['/usr/bin/google-chrome'] }))).toBe('/usr/bin/google-chrome');
  });
});
