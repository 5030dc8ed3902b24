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

/** Clicks a button and waits for the page it leads to: with JavaScript a wizard step's button
 *  posts through htmx, answered with HX-Redirect, so the navigation starts a moment later. */
async function clickAndFollow(page, name, path) {
  await page.getByRole('button', { name }).click();
  await page.waitForURL((url) => path.test(url.pathname), { timeout: 15_000 }).catch(() => {});
  await page.waitForLoadState('load');
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
    // A guided draft now exists: its sections are filled in one step at a time.
    const draft = new URL(page.url()).pathname.match(/^\/domande\/([0-9a-f-]{36})\/compila\/richiesta$/);
    assert.ok(draft, `after the benefit we expect the request step, got ${page.url()}`);
    const id = draft[1];
    await a11y(page, 'bozza: richiesta');

    // Request: the Milano-served plant, a causale, and first a period that ends before it starts.
    const units = await page.$$eval('select[name="unita"] option', (opts) =>
      opts.filter((o) => o.value !== '').map((o) => ({ value: o.value, label: o.textContent })),
    );
    assert.ok(units.length > 0, 'select unita has no choices');
    const unit = units.find((u) => /milano|sesto/i.test(u.label)) || units[0];
    // Each walk files its own week, so an overlap check never mixes the two runs up.
    const monday = nextMondayOffset() + 7 * weekOffset;
    const start = isoDate(monday);
    const end = isoDate(monday + 4);
    const fillRequest = async (dataFine) => {
      await page.selectOption('select[name="unita"]', unit.value);
      await page.selectOption('select[name="causale"]', 'MLC');
      await page.selectOption('select[name="tipo"]', 'sospensione');
      await page.fill('input[name="data_inizio"]', start);
      await page.fill('input[name="data_fine"]', dataFine);
      await clickAndFollow(page, 'Salva e continua', /\/compila\/lavoratori$/);
    };
    await fillRequest(isoDate(monday - 3));
    assert.match(new URL(page.url()).pathname, /\/compila\/lavoratori$/);
    await a11y(page, 'bozza: lavoratori');

    // Workers of that unit: the first two.
    const workers = await page.$$eval('input[name^="ore_"]', (els) => els.map((e) => e.name));
    assert.ok(workers.length >= 2, 'the unit lists its workers');
    await page.fill(`input[name="${workers[0]}"]`, '16');
    await page.fill(`input[name="${workers[1]}"]`, '16');
    await clickAndFollow(page, 'Salva e continua', /\/compila\/forza$/);
    // The workforce of the previous semester, pre-filled from the registry (R-LIM-5).
    assert.match(new URL(page.url()).pathname, /\/compila\/forza$/);
    assert.notEqual(await page.inputValue('input[name="orario_0"]'), '', 'pre-filled from the registry');
    await a11y(page, 'bozza: forza aziendale');
    await clickAndFollow(page, 'Salva e continua', /\/compila\/relazione$/);
    assert.match(new URL(page.url()).pathname, /\/compila\/relazione$/);
    await a11y(page, 'bozza: relazione tecnica');

    // Structured technical report: every field the causale asks for (R-APP-1).
    for (const name of await page.$$eval('textarea[name^="rt_"]', (els) => els.map((e) => e.name))) {
      await page.fill(`textarea[name="${name}"]`, 'Calo degli ordini del 30 % nel semestre.');
    }
    await clickAndFollow(page, 'Salva e continua', /\/compila\/indicatori$/);
    assert.match(new URL(page.url()).pathname, /\/compila\/indicatori$/);
    await a11y(page, 'bozza: indicatori');

    // Indicators per year (R-APP-2).
    for (const name of await page.$$eval('input[name^="a_"]', (els) => els.map((e) => e.name))) {
      await page.fill(`input[name="${name}"]`, '1.250.000,00');
    }
    await clickAndFollow(page, 'Salva e continua', /\/compila\/dichiarazioni$/);
    assert.match(new URL(page.url()).pathname, /\/compila\/dichiarazioni$/);
    await a11y(page, 'bozza: dichiarazioni');
    // Bootstrap Italia draws the checkbox on its label: a person clicks the label.
    await page.locator('label[for="sindacale"]').click();
    assert.ok(await page.locator('#sindacale').isChecked());
    await page.fill('input[name="data_sindacale"]', isoDate(-3));
    await page.fill('input[name="sindacati"]', 'FIOM, FIM, UILM');
    await clickAndFollow(page, 'Salva e continua', /\/compila\/riepilogo$/);
    assert.match(new URL(page.url()).pathname, /\/compila\/riepilogo$/);

    // The review shows the blocking error (end before start), with a link to correct it.
    assert.ok((await page.locator('#bloccanti').count()) > 0, 'the wrong period must be a blocking error');
    await a11y(page, 'bozza: riepilogo con errori');
    await page.goto(`${server.baseUrl}/domande/${id}/compila/richiesta`);
    // What the user typed was kept.
    assert.equal(await page.inputValue('input[name="data_inizio"]'), start);
    await fillRequest(end);
    await page.goto(`${server.baseUrl}/domande/${id}/compila/riepilogo`);
    await page.waitForLoadState('load');
    assert.equal(await page.locator('#bloccanti').count(), 0, `no blocking error left: ${(await mainText(page)).slice(0, 600)}`);
    // Forceable warnings are confirmed with a note.
    for (const name of await page.$$eval('textarea[name^="nota_"]', (els) => els.map((e) => e.name))) {
      await page.fill(`textarea[name="${name}"]`, 'Situazione verificata con il consulente.');
    }
    await a11y(page, 'bozza: riepilogo');
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
    // Conguaglio, the default payment mode: the offset code comes with the authorisation (R-FLO-4).
    assert.match((await page.locator('#codice-conguaglio').innerText()).trim(), /^CG[0-9A-Z]+$/);
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
