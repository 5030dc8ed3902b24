// Test harness: starts the omnia binary on a free port with a fresh data directory, launches
// Debian's headless Chromium through playwright-core (no browser download) and checks pages with
// axe-core. Used by *.test.js in this folder; run with `npm test` (or `node --test`).
//
// Environment:
//   OMNIA_BIN                    the omnia binary (default: <repo>/target/debug/omnia)
//   OMNIA_BROWSER_DATABASE_URL   --database-url for the server (default: SQLite in the temp dir)
//   CHROMIUM_PATH                the browser (default: /usr/bin/chromium)
//   OMNIA_BROWSER_SCREENSHOTS    folder where a screenshot of every checked page is written
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const REPO = path.resolve(__dirname, '..', '..');
const AXE_PATH = require.resolve('axe-core/axe.min.js');

// Flags the machine notes require: without the background-networking ones Chromium floods the
// closed network with connection attempts.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `omnia serve`; resolves to { baseUrl, stop(), log() } once /readyz answers 200. */
async function startServer() {
  const bin =
    process.env.OMNIA_BIN ||
    path.join(process.env.CARGO_TARGET_DIR || path.join(REPO, 'target'), 'debug', 'omnia');
  if (!fs.existsSync(bin)) {
    throw new Error(`omnia binary not found at ${bin}: run \`cargo build\` first or set OMNIA_BIN`);
  }
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-browser-data-'));
  // --demo: load the demo users and employers into the (empty) database, PostgreSQL included.
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--demo'];
  if (process.env.OMNIA_BROWSER_DATABASE_URL) {
    args.push('--database-url', process.env.OMNIA_BROWSER_DATABASE_URL);
  }
  const env = { ...process.env, OMNIA_LOG: process.env.OMNIA_LOG || 'info' };
  // The server must not pick up a database from the caller's environment unless asked to.
  if (!process.env.OMNIA_BROWSER_DATABASE_URL) delete env.OMNIA_DATABASE_URL;
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) {
      throw new Error(`omnia serve exited early (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`omnia serve not ready after 120 s:\n${output}`);
    }
    await sleep(250);
  }

  return {
    baseUrl,
    log: () => output,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium with a fresh profile; resolves to { context, problems, close() }. */
async function launchBrowser({ javaScriptEnabled = true } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    javaScriptEnabled,
    locale: 'it-IT',
    viewport: { width: 1280, height: 900 },
  });
  // axe-core is injected by the DevTools protocol, so the page's CSP does not block it.
  if (javaScriptEnabled) await context.addInitScript({ path: AXE_PATH });

  // Everything that goes wrong in the page: CSP violations, script errors, failed requests.
  const problems = [];
  const watch = (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (msg.type() === 'error' || /Content Security Policy/i.test(text)) {
        // A 4xx page answer (e.g. the login page redisplayed with 401/422) is logged by Chromium
        // as a failed resource load; those are expected and checked by the test itself.
        if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
        problems.push(`console ${msg.type()} on ${page.url()}: ${text}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
    page.on('response', (res) => {
      const url = new URL(res.url());
      if (url.pathname.startsWith('/static/') && res.status() >= 400) {
        problems.push(`static asset ${url.pathname} answered ${res.status()}`);
      }
    });
  };
  context.on('page', watch);
  context.pages().forEach(watch);

  return {
    context,
    problems,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA, plus best practices) on the page; fails on any serious or
 * critical violation and returns the minor/moderate ones for the log.
 */
async function checkA11y(page, label) {
  const shots = process.env.OMNIA_BROWSER_SCREENSHOTS;
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    const name = label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} :: ${n.failureSummary}`),
    }));
  });
  const blocking = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const others = results.filter((v) => !blocking.includes(v));
  for (const v of others) {
    console.log(`  axe (${v.impact}) on ${label}: ${v.id} — ${v.help}`);
  }
  assert.deepEqual(
    blocking,
    [],
    `axe-core found serious/critical accessibility violations on ${label} (${page.url()}):\n` +
      JSON.stringify(blocking, null, 2),
  );
  return others;
}

module.exports = { startServer, launchBrowser, checkA11y, REPO };
