/**
 * A phone, for the browser tests: Debian's Chromium (or CHROMIUM_PATH) driven by playwright-core,
 * headless, in a fresh profile, with a phone's screen, touch and user agent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { chromiumPath } from '#local/prerequisites';

export const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

export interface PhoneBrowser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export async function openPhoneBrowser(): Promise<PhoneBrowser> {
  const executablePath = chromiumPath();
  // `npm test` installs one first (bin/preflight.ts); a browser project run alone says what is missing.
  if (!executablePath)
    throw new Error('No Chromium: run `npm test` once to install Debian’s, or set CHROMIUM_PATH.');
  const profile = mkdtempSync(join(tmpdir(), 'junction-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // No background traffic of Chromium's own: the tests count the requests pages make.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    userAgent: PHONE_UA,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
