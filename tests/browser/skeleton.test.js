// Acceptance test of the walking skeleton through the web pages (issue 2), in Debian's headless
// Chromium, with axe-core on every page visited (no serious or critical violation allowed) and no
// CSP violation, script error or missing static asset.
//
//   intermediary files a CIGO application for Meccanica Padana S.p.A. and submits it
//   → operator of the Milano office finds it in the queue and authorises it
//   → the employer sees "Autorizzata".
//
// The same walk runs a second time with JavaScript switched off: the core path must work
// without it (progressive enhancement).
//
// Run: cargo build -p omnia && (cd tests/browser && npm ci && npm test)
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launchBrowser, checkA11y } = require('./harness');

const PASSWORD = 'Omnia2026!';
const EMPLOYER_NAME = /Meccanica Padana/i;

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (server) await server.stop();
});

/** ISO date (yyyy-mm-dd) `days` after today, in local time. */
function isoDate(days, from = new Date()) {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Next Monday at least a week away: a clean Monday–Friday period for the application. */
function nextMondayOffset() {
  const today = new Date().getDay(); // 0 = Sunday
  return ((8 - today) % 7 || 7) + 7;
}

async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

async function expectState(page, label) {
  const stato = page.locator('#stato');
  if ((await stato.count()) > 0) {
    assert.match(await stato.innerText(), new RegExp(label, 'i'), `state on ${page.url()}`);
  } else {
    assert.match(await mainText(page), new RegExp(label, 'i'), `state on ${page.url()}`);
  }
}

/** The text tied to a field through aria-describedby (where its error message must be). */
async function fieldError(page, selector) {
  const field = page.locator(selector).first();
  const describedBy = (await field.getAttribute('aria-describedby')) || '';
  const texts = [];
  for (const id of describedBy.split(/\s+/).filter(Boolean)) {
    texts.push((await page.locator(`[id="${id}"]`).innerText().catch(() => '')).trim());
  }
  return texts.filter(Boolean).join(' ');
}

async function login(page, a11y, username, password = PASSWORD) {
  await page.goto(`${server.baseUrl}/login`);
  await a11y(page, 'login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Accedi' }).click()]);
  await page.waitForLoadState('load');
  assert.doesNotMatch(new URL(page.url()).pathname, /^\/login/, `login as ${username} failed: ${await mainText(page)}`);
}

async function logout(page, a11y) {
  await page.getByRole('button', { name: 'Esci' }).click();
  await page.waitForLoadState('load');
  await a11y(page, 'after logout');
  // Signed out: the header offers "Accedi" again and a protected page sends us to the login page.
  await page.goto(`${server.baseUrl}/domande`);
  assert.match(new URL(page.url()).pathname, /^\/login/, 'after logout /domande must ask to log in');
}

async function walk({ javaScriptEnabled, weekOffset }) {
  const browser = await launchBrowser({ javaScriptEnabled });
  const mode = javaScriptEnabled ? 'js' : 'no-js';
  // axe-core needs JavaScript; without it we only walk (the JS run checks the same pages).
  const a11y = javaScriptEnabled ? (page, label) => checkA11y(page, `${label} (${mode})`) : async () => {};
  const page = await browser.context.newPage();
  try {
    // 1. Login page: a wrong password is refused with a message, then the intermediary logs in.
    await page.goto(`${server.baseUrl}/login`);
    await a11y(page, 'login');
    if (javaScriptEnabled) {
      // Keyboard: the first Tab reaches the skip link, which moves the focus to <main>.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#main');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    }
    assert.equal(await page.locator('#username').count(), 1);
    assert.equal(await page.locator('#password').count(), 1);
    await page.fill('#username', 'consulente.rossi');
    await page.fill('#password', 'password-sbagliata');
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.waitForLoadState('load');
    assert.match(new URL(page.url()).pathname, /^\/login/);
    const loginError = page.locator('main [role="alert"], main .alert-danger, main .invalid-feedback');
    assert.ok((await loginError.count()) > 0, 'a wrong password must show an error message');
    assert.notEqual((await loginError.first().innerText()).trim(), '');
    await a11y(page, 'login error');
    await login(page, a11y, 'consulente.rossi');

    // 2. Applications: list → new → choose the employer → the form.
    await page.goto(`${server.baseUrl}/domande`);
    await a11y(page, 'domande');
    await page.getByRole('link', { name: 'Nuova domanda' }).first().click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/domande/nuova');
    await a11y(page, 'nuova domanda: datore');
    const employer = await page.$$eval(
      'select[name="datore"] option',
      (opts, re) => {
        const o = opts.find((o) => new RegExp(re, 'i').test(o.textContent));
        return o ? o.value : null;
      },
      EMPLOYER_NAME.source,
    );
    assert.ok(employer, 'the employer select must offer Meccanica Padana S.p.A.');
    await page.selectOption('select[name="datore"]', employer);
    await page.getByRole('button', { name: 'Continua' }).click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).searchParams.get('datore'), employer);
    // The choice of benefit: CIGO is the one suggested for an industrial employer (R-SEL-1).
    await a11y(page, 'nuova domanda: prestazione');
    assert.ok(await page.locator('#prestazione-cigo').isChecked(), 'CIGO must be preselected');
    await page.getByRole('button', { name: 'Continua' }).click();
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).searchParams.get('prestazione'), 'cigo');
    await a11y(page, 'nuova domanda: modulo');

    // Units (the Milano-served plant first) and workers; a worker's unit comes from data-unita.
    const units = await page.$$eval('select[name="unita"] option', (opts) =>
      opts.filter((o) => o.value !== '').map((o) => ({ value: o.value, label: o.textContent })),
    );
    assert.ok(units.length > 0, 'select unita has no choices');
    units.sort((a, b) => Number(/milano|sesto/i.test(b.label)) - Number(/milano|sesto/i.test(a.label)));
    const workers = await page.$$eval('input[name^="ore_"]', (els) =>
      els.map((e) => ({ name: e.name, unit: e.getAttribute('data-unita') })),
    );
    assert.ok(workers.length >= 2, 'the form must list the workers');
    const causale = await page.$$eval('select[name="causale"] option', (opts) => {
      const o = opts.find((o) => o.value !== '');
      return o ? o.value : null;
    });
    assert.ok(causale, 'select causale has no choices');

    // Each walk files its own week, so an overlap check never mixes the two runs up.
    const monday = nextMondayOffset() + 7 * weekOffset;
    const start = isoDate(monday);
    const end = isoDate(monday + 4);
    const fillForm = async (unit, chosen, dataFine) => {
      await page.selectOption('select[name="unita"]', unit);
      await page.selectOption('select[name="causale"]', causale);
      await page.selectOption('select[name="tipo"]', 'sospensione');
      await page.fill('input[name="data_inizio"]', start);
      await page.fill('input[name="data_fine"]', dataFine);
      for (const w of workers) {
        await page.fill(`input[name="${w.name}"]`, chosen.includes(w.name) ? '16' : '');
      }
      await page.getByRole('button', { name: 'Salva bozza' }).click();
      await page.waitForLoadState('load');
    };
    // Which (unit, workers) to file: with data-unita, the first unit that has workers; without,
    // each unit with each of its first workers in turn until the server accepts one.
    const attempts = [];
    if (workers.every((w) => w.unit)) {
      for (const u of units) {
        const mine = workers.filter((w) => w.unit === u.value).map((w) => w.name);
        if (mine.length > 0) attempts.push([u.value, mine.slice(0, 2)]);
      }
    } else {
      for (const u of units) {
        for (const w of workers.slice(0, 12)) attempts.push([u.value, [w.name]]);
      }
    }
    assert.ok(attempts.length > 0, 'no unit has workers');

    // First a period that ends before it starts: refused, with the error next to data_fine.
    await fillForm(attempts[0][0], attempts[0][1], isoDate(monday - 3));
    const endError = await fieldError(page, 'input[name="data_fine"]');
    assert.notEqual(endError, '', 'an end date before the start must show an error next to data_fine');
    assert.equal(await page.locator('input[name="data_fine"]').getAttribute('aria-invalid'), 'true');
    // What the user typed is kept.
    assert.equal(await page.inputValue('input[name="data_inizio"]'), start);
    assert.equal(await page.inputValue(`input[name="${attempts[0][1][0]}"]`), '16');
    await a11y(page, 'nuova domanda: errore');

    // Fix the end date and save.
    let match = null;
    for (const [unit, chosen] of attempts) {
      await fillForm(unit, chosen, end);
      match = new URL(page.url()).pathname.match(/^\/domande\/([0-9a-f-]{36})$/);
      if (match) break;
    }
    assert.ok(
      match,
      `after saving we expect /domande/<uuid>, got ${page.url()}: ${(await mainText(page)).slice(0, 800)}`,
    );
    const id = match[1];
    await expectState(page, 'Bozza');
    await a11y(page, 'domanda in bozza');

    await page.getByRole('button', { name: 'Invia domanda' }).click();
    await page.waitForLoadState('load');
    // The contract says "Inviata"; the domain's name of the state once protocolled is "Protocollata".
    await expectState(page, 'Inviata|Protocollata');
    const protocol = (await page.locator('#protocollo').innerText()).trim();
    assert.notEqual(protocol, '', 'a submitted application shows its protocol number');
    await a11y(page, 'domanda inviata');

    await logout(page, a11y);

    // 3. The operator of the Milano office finds it in the queue and authorises it.
    await login(page, a11y, 'operatore.milano');
    await page.goto(`${server.baseUrl}/istruttoria`);
    await a11y(page, 'istruttoria');
    assert.ok((await mainText(page)).includes(protocol), `the queue must list protocol ${protocol}`);
    const byProtocol = page.getByRole('link', { name: protocol });
    if ((await byProtocol.count()) > 0) {
      await byProtocol.first().click();
    } else {
      await page.locator(`a[href$="${id}"]`).first().click();
    }
    await page.waitForLoadState('load');
    assert.ok(new URL(page.url()).pathname.endsWith(id), `expected the application page, got ${page.url()}`);
    await a11y(page, 'istruttoria: domanda');
    if ((await page.locator('select[name="esito"]').count()) > 0) {
      await page.selectOption('select[name="esito"]', 'autorizzata');
    } else {
      await page.check('input[name="esito"][value="autorizzata"]');
    }
    await page.fill('textarea[name="motivazione"]', 'Requisiti verificati: evento transitorio non imputabile.');
    await page.getByRole('button', { name: 'Registra decisione' }).click();
    await page.waitForLoadState('load');
    await expectState(page, 'Autorizzata');
    const authorisation = (await page.locator('#autorizzazione').innerText()).trim();
    assert.notEqual(authorisation, '', 'an authorised application shows its authorisation number');
    await a11y(page, 'domanda autorizzata (operatore)');

    await logout(page, a11y);

    // 4. The employer sees the authorisation.
    await login(page, a11y, 'datore.meccanica');
    await page.goto(`${server.baseUrl}/domande`);
    await a11y(page, 'domande (datore)');
    assert.ok((await mainText(page)).includes(protocol), 'the employer lists its application');
    await page.goto(`${server.baseUrl}/domande/${id}`);
    await expectState(page, 'Autorizzata');
    assert.equal((await page.locator('#autorizzazione').innerText()).trim(), authorisation);
    await a11y(page, 'domanda autorizzata (datore)');

    assert.deepEqual(browser.problems, [], 'CSP violations, script errors or missing assets');
  } catch (err) {
    if (process.env.OMNIA_BROWSER_SCREENSHOTS) {
      await page
        .screenshot({ path: `${process.env.OMNIA_BROWSER_SCREENSHOTS}/failure-${mode}.png`, fullPage: true })
        .catch(() => {});
    }
    err.message += `\n(page: ${page.url()})\nserver log (tail):\n${server.log().slice(-4000)}`;
    throw err;
  } finally {
    await browser.close();
  }
}

test('walking skeleton through the pages, with axe-core on each page', { timeout: 300_000 }, async () => {
  await walk({ javaScriptEnabled: true, weekOffset: 0 });
});

test('the same walk works without JavaScript', { timeout: 300_000 }, async () => {
  await walk({ javaScriptEnabled: false, weekOffset: 1 });
});

test('static assets and the API docs page', { timeout: 120_000 }, async () => {
  const home = await fetch(`${server.baseUrl}/login`);
  const html = await home.text();
  const css = html.match(/href="(\/static\/[0-9a-f]{8}\/bootstrap-italia\/css\/[^"]+)"/);
  assert.ok(css, 'the layout links the versioned Bootstrap Italia stylesheet');
  const res = await fetch(server.baseUrl + css[1]);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/css/);
  assert.match(res.headers.get('cache-control'), /immutable/);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(server.baseUrl + css[1], { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${server.baseUrl}/static/nope.css`)).status, 404);

  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info').first().waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.swagger-ui .info').first().innerText(), /\S/);
    assert.deepEqual(browser.problems, [], 'CSP violations, script errors or missing assets on /api/docs');
  } finally {
    await browser.close();
  }
});
