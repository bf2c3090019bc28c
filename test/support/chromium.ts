// A headless Chromium for the page tests, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages separated by NUL on file descriptors 3 and 4), so no
// browser library or download is needed: Debian's `chromium` is enough. `CHROMIUM` names another
// executable. Without one, page tests are skipped with a reason starting "chromium not found"
// (counted once for the whole run by aws-cli-reporter.mjs), unless REQUIRE_CHROMIUM=1 (CI).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import sharp from 'sharp';
import { tempDir } from './temp.ts';

export const CHROMIUM_HINT = 'install it with `apt-get install chromium` (or set CHROMIUM to its path)';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = env.CHROMIUM ? [env.CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const name of names) {
    const candidates = name.includes('/')
      ? [name]
      : (env.PATH ?? '').split(path.delimiter).flatMap((d) => (d ? [path.join(d, name)] : []));
    for (const file of candidates) {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const FOUND = findChromium();

/** The `skip` option of a test that needs Chromium: false when found; throws under REQUIRE_CHROMIUM=1. */
export function needsChromium(what: string): string | false {
  if (FOUND) return false;
  const named = process.env.CHROMIUM ? `CHROMIUM=${process.env.CHROMIUM}` : '`chromium` on PATH';
  if (process.env.REQUIRE_CHROMIUM === '1' || process.env.REQUIRE_CHROMIUM === 'true')
    throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium (${named}): ${CHROMIUM_HINT}. Needed by: ${what}`);
  return `chromium not found (${named}): ${CHROMIUM_HINT}`;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** One browser process and its DevTools pipe. */
export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(m: Message) => void> = [];
  private buffer = '';
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as Message;
        this.buffer = this.buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  static launch(executable = FOUND): Chromium {
    if (!executable) throw new Error(`chromium not found: ${CHROMIUM_HINT}`);
    const profile = tempDir('chromium-profile-');
    const child = spawn(
      executable,
      [
        '--headless',
        '--remote-debugging-pipe',
        // Tests run as root in CI, where Chromium's sandbox cannot start.
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--no-default-browser-check',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    return new Chromium(child, profile);
  }

  private dispatch(m: Message): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m);
      return;
    }
    for (const l of [...this.listeners]) l(m);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const out = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      out.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  }

  /** The next event of this name (for this session), or an error after `timeoutMs`. */
  waitFor(method: string, sessionId: string, timeoutMs = 30_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: Message) => {
        if (m.method !== method || m.sessionId !== sessionId) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(m);
      };
      this.listeners.push(listener);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.send('Browser.close').catch(() => this.child.kill('SIGKILL'));
    await exited;
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

export interface PageReport {
  title: string;
  text: string;
  images: Array<{ src: string; naturalWidth: number; naturalHeight: number }>;
  /** A PNG of the whole page. */
  screenshot: Buffer;
}

/** Loads a page, waits for every image to load or fail, and reports its text, images and a screenshot. */
export async function inspectPage(browser: Chromium, url: string): Promise<PageReport> {
  const { targetId } = (await browser.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
  const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as {
    sessionId: string;
  };
  await browser.send('Page.enable', {}, sessionId);
  await browser.send(
    'Emulation.setDeviceMetricsOverride',
    { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false },
    sessionId,
  );
  const loaded = browser.waitFor('Page.loadEventFired', sessionId);
  await browser.send('Page.navigate', { url }, sessionId);
  await loaded;
  const expression = `(async () => {
    const images = [...document.images];
    for (const img of images) img.loading = 'eager';
    await Promise.all(images.map((img) => img.complete ? null : new Promise((r) => { img.onload = img.onerror = r; })));
    return JSON.stringify({
      title: document.title,
      text: document.body.innerText,
      images: images.map((i) => ({
        src: i.getAttribute('src'), naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
      })),
    });
  })()`;
  const evaluated = (await browser.send(
    'Runtime.evaluate',
    { expression, awaitPromise: true, returnByValue: true },
    sessionId,
  )) as {
    result: { value?: string };
    exceptionDetails?: unknown;
  };
  if (!evaluated.result.value) throw new Error(`the page script failed: ${JSON.stringify(evaluated.exceptionDetails)}`);
  const data = JSON.parse(evaluated.result.value) as Omit<PageReport, 'screenshot'>;
  const shot = (await browser.send(
    'Page.captureScreenshot',
    { format: 'png', captureBeyondViewport: true },
    sessionId,
  )) as {
    data: string;
  };
  await browser.send('Target.closeTarget', { targetId });
  return { ...data, screenshot: Buffer.from(shot.data, 'base64') };
}

/** A screenshot of something: decodes, is page-sized, and its pixels vary (a blank page has stdev ~0). */
export async function assertNotBlank(png: Buffer): Promise<void> {
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.ok((meta.width ?? 0) >= 800 && (meta.height ?? 0) >= 400, `${meta.width}x${meta.height}`);
  const stats = await sharp(png).stats();
  const spread = Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev));
  assert.ok(spread > 10, `the screenshot looks blank (largest channel stdev ${spread.toFixed(2)})`);
}
