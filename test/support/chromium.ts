/**
 * Test support: Debian's Chromium, headless, driven by playwright-core, with the flags this
 * machine needs (no sandbox as root; no background networking, which a closed network
 * refuses many times a second), so every browser test launches it the same way.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** Where Debian's package puts Chromium (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium with a fresh profile folder (`profile`, removed by the caller) and `extraArgs`. */
export function launchChromium(profile: string, extraArgs: readonly string[] = []): Promise<BrowserContext> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs] });
}
