/**
 * Test support for the dashboard: a Chromium page that records every console error and
 * page error (a CSP violation is one), and small waits on what the page shows.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { waitFor } from '../support/wait.js';
import { tempDir } from '../support/server.js';

/** A browser with one page whose console errors are collected. */
export interface WatchedBrowser {
  readonly browser: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors since the last {@link takeErrors}. */
  readonly errors: string[];
  /** Answers the errors seen and forgets them. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/** Launches Chromium and opens one page that records errors. */
export async function watchedBrowser(): Promise<WatchedBrowser> {
  const profile = tempDir('restmq-dashboard-browser-');
  const browser = await launchChromium(profile);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return {
    browser,
    page,
    errors,
    takeErrors: () => errors.splice(0),
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the text of `selector` on `page` satisfies `check`; answers it. */
export async function waitForText(page: Page, selector: string, check: (text: string) => boolean, what: string, ms = 10_000): Promise<string> {
  let last = '';
  await waitFor(`${what} (last seen: ${JSON.stringify(last)})`, async () => {
      last = (await page.locator(selector).first().textContent({ timeout: 200 }).catch(() => null)) ?? '';
      return check(last);
    }, ms);
  return last;
}

/** The cell of `column` (a class of the list's cells) in the list row of `queue`. */
export function listCell(queue: string, column: string): string {
  return `#queues tr[data-queue="${queue}"] td.${column}`;
}
