// Renders an HTML document to PDF with headless Chromium (playwright-core drives the system's Chromium; Playwright's
// own browser download is not used). One browser per process, started on first use and reused; each document gets
// its own page, closed afterwards. The HTML is the same the HTML link serves, so the two never disagree.
import { type Browser, chromium } from 'playwright-core';

export interface PdfRenderer {
  render(html: string): Promise<Buffer>;
  close(): Promise<void>;
}

export class PdfRendererUnavailableError extends Error {
  readonly code = 'PDF_RENDERER_UNAVAILABLE';
}

/** `executablePath`: CHROMIUM_PATH, else /usr/bin/chromium (what the tools step installs). */
export function createPdfRenderer(executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): PdfRenderer {
  let browser: Promise<Browser> | undefined;
  const launch = () => {
    browser ??= chromium
      .launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
      .catch((err: unknown) => {
        browser = undefined;
        throw new PdfRendererUnavailableError(`Chromium could not start (${executablePath}): ${String(err)}`);
      });
    return browser;
  };
  return {
    async render(html) {
      const b = await launch();
      const page = await b.newPage();
      try {
        // Documents are self-contained: nothing to fetch, so the page may not reach the network at all.
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load' });
        return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '1cm', bottom: '1cm' } });
      } finally {
        await page.close();
      }
    },
    async close() {
      const b = browser;
      browser = undefined;
      if (b) await (await b.catch(() => undefined))?.close();
    },
  };
}
