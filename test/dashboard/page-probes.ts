import { vi } from 'vitest';
import type { Page } from '@fedfuse/dashboard/testing/browser';

// In-page helpers, injected as plain JavaScript: this file type-checks without the DOM library, and the
// browser runs exactly what is written here.
const PROBES = `
window.__fedfuseSeen = {};
window.__fedfuseWatch = (name, selector, text) => {
  const matches = () =>
    [...document.querySelectorAll(selector)].some((el) => !text || (el.textContent || '').includes(text));
  // The time the frame showing the match is painted, on the same clock as the coordinator's Date.now().
  const record = () => requestAnimationFrame(() => { window.__fedfuseSeen[name] = performance.timeOrigin + performance.now(); });
  if (matches()) return record();
  const observer = new MutationObserver(() => {
    if (!matches()) return;
    observer.disconnect();
    record();
  });
  observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
};
window.__fedfuseInk = (selector, hex) => {
  // Counts canvas pixels close to a series colour: proof that lines and points were drawn.
  const canvas = document.querySelector(selector);
  if (!canvas) return -1;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40) count++;
  }
  return count;
};
`;

/** Installs the probes in every document the page loads. */
export async function installProbes(page: Page): Promise<void> {
  await page.addInitScript({ content: PROBES });
  await page.evaluate(PROBES);
}

/** Starts watching for a selector (or one containing `text`); `seenAt(name)` gives when it was painted. */
export async function watchFor(
  page: Page,
  name: string,
  target: string | { selector: string; text: string },
): Promise<void> {
  const { selector, text } = typeof target === 'string' ? { selector: target, text: '' } : target;
  await page.evaluate(
    `window.__fedfuseWatch(${JSON.stringify(name)}, ${JSON.stringify(selector)}, ${JSON.stringify(text)})`,
  );
}

/**
 * Waits until the watched element was painted and returns that time (ms since the epoch). Polled with
 * page.evaluate: playwright's waitForFunction evaluates a string with eval inside the page, which the
 * coordinator's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
 */
export async function seenAt(page: Page, name: string, timeoutMs = 15_000): Promise<number> {
  const key = JSON.stringify(name);
  return vi.waitFor(
    async () => {
      const at = await page.evaluate<number | null>(`window.__fedfuseSeen[${key}] ?? null`);
      if (at === null) throw new Error(`${name} not painted yet`);
      return at;
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

/** How many pixels of a canvas have (about) the colour `hex`, `-1` when there is no such canvas. */
export async function inkOf(page: Page, canvasSelector: string, hex: string): Promise<number> {
  return page.evaluate<number>(
    `window.__fedfuseInk(${JSON.stringify(canvasSelector)}, ${JSON.stringify(hex)})`,
  );
}

/** The value of `attribute` on every element matching `selector`, in document order. */
export async function attributesOf(
  page: Page,
  selector: string,
  attribute: string,
): Promise<(string | null)[]> {
  return page.evaluate<(string | null)[]>(
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => el.getAttribute(${JSON.stringify(attribute)}))`,
  );
}
