// Acceptance of the payment-data flow pages (issue 5, item 6) in headless Chromium with axe-core
// on every flows page: an authorisation paid directly by INPS (the flows are only for direct
// payment, CP10) is made through the API's guided sections, its flow is written with
// `omnia flow generate --plan`, uploaded on /flussi/invio with the progress bar, accepted with its
// amounts per worker; a second flow with a blocking and a forceable finding is refused and its
// findings filtered live; a record is deleted after confirmation; the operator makes a payment
// batch and downloads its pain.001.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, launchBrowser, checkA11y, REPO } = require('./harness');

const PASSWORD = 'Omnia2026!';
let server;
let work;

before(async () => {
  server = await startServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-browser-flows-'));
});

after(async () => {
  if (server) await server.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function isoDate(days) {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function api(method, url, token, body, headers = {}) {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function token(username) {
  const r = await api('POST', '/api/v1/sessions', null, { username, password: PASSWORD });
  assert.equal(r.status, 201, `login of ${username}`);
  return r.body.token;
}

/**
 * An authorised CIGO application of datore.meccanica for two workers, 40 hours each, paid
 * directly by INPS (pagamento diretto with the declaration of financial difficulty): filled in
 * section by section like the wizard, since the one-shot form means conguaglio (R-FLO, CP10).
 */
async function authorise() {
  const employerToken = await token('datore.meccanica');
  const list = await api('GET', '/api/v1/employers', employerToken);
  const id = list.body.items.find((e) => e.name.includes('Meccanica')).id;
  const employer = (await api('GET', `/api/v1/employers/${id}`, employerToken)).body;
  const unit = employer.units[0];
  const workers = employer.workers
    .filter((w) => w.unit_id === unit.id && w.qualifica !== 'dirigente' && w.eligible && new Date(w.hire_date) < new Date(Date.now() - 60 * 864e5))
    // The last two: the other browser tests file applications for the first ones in the same
    // weeks, and on PostgreSQL they share the database (R-APP-5 refuses overlaps).
    .slice(-2)
    .map((w) => ({ worker_id: w.id, hours: 40 }));
  // A Monday at least a week ahead, for two weeks: on time and inside one month or two.
  const today = new Date().getDay();
  const start = ((8 - today) % 7 || 7) + 7;
  const started = await api('POST', `/api/v1/employers/${id}/drafts`, employerToken, {
    benefit: 'cigo',
    unit_id: unit.id,
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  let draft = started.body;
  const save = async (section, body) => {
    const r = await api('PUT', `/api/v1/applications/${draft.id}/${section}`, employerToken, body, {
      'if-match': `"${draft.version}"`,
    });
    assert.equal(r.status, 200, `${section}: ${JSON.stringify(r.body)}`);
    draft = r.body;
  };
  const review = async () => {
    const r = await api('GET', `/api/v1/applications/${draft.id}/checks`, employerToken);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.findings;
  };
  await save('request', {
    unit_id: unit.id,
    causale: 'MLC',
    request_kind: 'prima_richiesta',
    kind: 'sospensione',
    start: isoDate(start),
    end: isoDate(start + 11),
    effective_start: isoDate(start),
  });
  await save('workers', { workers });
  const fields = {};
  for (const f of await review()) {
    if (f.code === 'report_field_required') fields[f.pointer.split('/').pop()] = 'Calo degli ordini del trimestre.';
  }
  await save('report', { mode: 'structured', fields });
  if ((await review()).some((f) => f.code === 'indicators_required')) {
    const year = Number(isoDate(start).slice(0, 4));
    const quarters = [];
    for (const y of [year - 2, year - 1]) {
      for (let q = 1; q <= 4; q++) {
        quarters.push({ year: y, quarter: q, fatturato: 10000000, risultato_operativo: 500000, risultato_impresa: 200000, indebitamento: 3000000 });
      }
    }
    await save('indicators', { granularity: 'quarterly', quarters });
  }
  await save('declarations', {
    union_done: true,
    union_date: isoDate(-3),
    union_with: 'RSU aziendale',
    payment_mode: 'pagamento_diretto',
    financial_difficulty: true,
  });
  const findings = await review();
  assert.deepEqual(findings.filter((f) => f.severity === 'blocking'), [], 'no blocking finding');
  const notes = Object.fromEntries(
    findings.filter((f) => f.severity === 'forceable').map((f) => [f.code, 'Confermato dal datore di lavoro.']),
  );
  const sub = await api('POST', `/api/v1/applications/${draft.id}/submission`, employerToken, { notes });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  const operatorToken = await token('operatore.milano');
  const decided = await api('POST', `/api/v1/applications/${draft.id}/decision`, operatorToken, {
    outcome: 'authorised',
  });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal(decided.body.offset_code ?? null, null, 'direct payment: no offset code');
  return decided.body;
}

/** One authorisation for the whole file (a second one for the same workers would overlap). */
let authorisation;
async function authorised() {
  if (!authorisation) authorisation = await authorise();
  return authorisation;
}

/** Writes the flow of the authorisation with `omnia flow generate --plan`; returns its path. */
function generate(a, name, hours, iban) {
  const plan = {
    sender: a.employer.cf,
    month: a.start.slice(0, 7),
    employers: [
      {
        cf: a.employer.cf,
        authorisation: a.authorisation_number,
        benefit: 'cigo',
        start: a.start,
        end: a.end,
        workers: a.workers.map((w, i) => ({
          cf: w.cf,
          name: w.name,
          hours,
          hourly_wage: '9.00',
          ...(i === 0 && iban ? { iban } : {}),
        })),
      },
    ],
  };
  const planPath = path.join(work, `${name}.json`);
  const out = path.join(work, `${name}.xml`);
  fs.writeFileSync(planPath, JSON.stringify(plan));
  const bin =
    process.env.OMNIA_BIN ||
    path.join(process.env.CARGO_TARGET_DIR || path.join(REPO, 'target'), 'debug', 'omnia');
  execFileSync(bin, ['flow', 'generate', '--plan', planPath, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

async function login(page, username) {
  await page.goto(`${server.baseUrl}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForLoadState('load');
}

/** Uploads a file on /flussi/invio and waits for the flow's page; returns the progress text
 *  the live region showed last (kept in sessionStorage across the navigation). */
async function upload(page, file) {
  await page.goto(`${server.baseUrl}/flussi/invio`);
  await page.setInputFiles('#flusso', file);
  await page.getByRole('button', { name: 'Invia il flusso' }).click();
  await page.waitForURL(/\/flussi\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await page.waitForLoadState('load');
  return page.evaluate(() => sessionStorage.getItem('omnia-test-progress') || '');
}

test('flows: upload with progress, outcome, amounts, filtered findings, eliminazione, payment batch', async () => {
  const a = await authorised();
  const accepted = generate(a, 'accettato', '8');
  // 70 hours each: over the 40 authorised (blocking); a German IBAN for one worker (forceable).
  const refused = generate(a, 'rifiutato', '70', 'DE89370400440532013000');

  const browser = await launchBrowser({ javaScriptEnabled: true });
  // Records what the upload's live region says (the page navigates away when done).
  await browser.context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const el = document.getElementById('avanzamento-testo');
      if (!el) return;
      new MutationObserver(() => {
        const box = document.getElementById('avanzamento');
        sessionStorage.setItem('omnia-test-progress', `${box && !box.hidden ? 'visible' : 'hidden'} ${el.textContent}`);
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
  const page = await browser.context.newPage();
  try {
    await login(page, 'datore.meccanica');
    await page.goto(`${server.baseUrl}/flussi`);
    await checkA11y(page, 'flussi: elenco vuoto');
    await page.goto(`${server.baseUrl}/flussi/invio`);
    await checkA11y(page, 'flussi: invio');
    // The progress bar has a label.
    assert.equal(await page.locator('label[for="avanzamento-barra"]').count(), 1, await mainText(page));

    // Accepted: the progress reached 100 %, the outcome and the amounts per worker (R-AMT).
    const progress = await upload(page, accepted);
    assert.match(progress, /^visible 100%/, `the progress bar was shown: ${progress}`);
    let text = await mainText(page);
    assert.match(text, /Esito: accettato/, text);
    // 80 % × 9.00 € × 8 h = 57,60 € gross, 54,24 € net.
    const amounts = page.locator('#tabella-record');
    assert.match(await amounts.innerText(), /57,60\s€/);
    assert.match(await amounts.innerText(), /54,24\s€/);
    assert.match(await amounts.innerText(), new RegExp(a.workers[0].cf));
    await checkA11y(page, 'flussi: accettato con importi');
    const acceptedUrl = page.url();

    // Eliminazione of one record, after a confirmation page.
    await page.locator('#tabella-record a', { hasText: 'Elimina' }).first().click();
    await page.waitForLoadState('load');
    await checkA11y(page, 'flussi: conferma eliminazione');
    await page.getByRole('button', { name: "Conferma l'eliminazione" }).click();
    await page.waitForLoadState('load');
    text = await mainText(page);
    assert.match(text, /Record eliminato/, text);
    assert.match(await amounts.innerText(), /eliminato/);

    // Refused: the findings, filtered live by severity and by worker.
    await upload(page, refused);
    text = await mainText(page);
    assert.match(text, /Esito: rifiutato/, text);
    await checkA11y(page, 'flussi: rifiutato con rilievi');
    const rows = page.locator('#tabella-rilievi tbody tr');
    const codes = async () => (await rows.locator('th').allInnerTexts()).map((s) => s.trim());
    assert.ok((await codes()).includes('CA01'), `blocking finding listed: ${await codes()}`);
    assert.ok((await codes()).includes('CG06'), `forceable finding listed: ${await codes()}`);
    await page.selectOption('#filtro-gravita', 'forceable');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#tabella-rilievi tbody th')].every((th) => th.textContent.trim() === 'CG06'),
    );
    assert.match(page.url(), /gravita=forceable/, 'the filter is in the address');
    await page.selectOption('#filtro-gravita', '');
    await page.fill('#filtro-testo', a.workers[1].cf);
    await page.waitForFunction(
      (cf) => {
        const cells = [...document.querySelectorAll('#tabella-rilievi tbody tr')];
        return cells.length > 0 && cells.every((tr) => tr.textContent.includes(cf));
      },
      a.workers[1].cf,
    );
    await checkA11y(page, 'flussi: rilievi filtrati');
    await page.goto(`${server.baseUrl}/flussi`);
    text = await mainText(page);
    assert.match(text, /accettato/);
    assert.match(text, /rifiutato/);
    await checkA11y(page, 'flussi: elenco');

    // English is available.
    await page.goto(`${server.baseUrl}/lingua?l=en&next=${encodeURIComponent(new URL(acceptedUrl).pathname)}`);
    await page.waitForLoadState('load');
    assert.match(await mainText(page), /Outcome: accepted/);
    await checkA11y(page, 'flows: accepted (English)');
    await page.goto(`${server.baseUrl}/lingua?l=it&next=/flussi`);

    // The operator: a payment batch with the accepted record, its pain.001, paid.
    await page.getByRole('button', { name: 'Esci' }).click();
    await page.waitForLoadState('load');
    await login(page, 'operatore.milano');
    await page.goto(`${server.baseUrl}/pagamenti`);
    await checkA11y(page, 'pagamenti: elenco');
    await page.getByRole('button', { name: 'Crea il lotto' }).click();
    await page.waitForURL(/\/pagamenti\/[0-9a-f-]{36}$/);
    text = await mainText(page);
    assert.match(text, /in pagamento/, text);
    assert.match(await page.locator('#tabella-record').innerText(), /54,24\s€/);
    await checkA11y(page, 'pagamenti: lotto');
    const pain = await page.request.get(`${page.url()}/pain001.xml`);
    assert.equal(pain.status(), 200);
    assert.match(await pain.text(), /pain\.001\.001\.09/);
    await page.getByRole('button', { name: 'Segna come pagato' }).click();
    await page.waitForLoadState('load');
    assert.match(await mainText(page), /Lotto segnato come pagato/);
    await checkA11y(page, 'pagamenti: lotto pagato');
    const batchUrl = new URL(page.url()).pathname;

    // The operator reads the flows of its office's UPs: list, and the accepted flow with its
    // records (no Elimina), each paid record leading to its batch.
    await page.goto(`${server.baseUrl}/flussi`);
    await checkA11y(page, 'flussi: elenco (operatore)');
    await page.goto(acceptedUrl);
    text = await mainText(page);
    assert.match(text, /Esito: accettato/, text);
    assert.equal(await page.locator('#tabella-record a', { hasText: 'Elimina' }).count(), 0);
    assert.ok((await page.locator(`#tabella-record a[href="${batchUrl}"]`).count()) > 0, 'links to the batch');
    await checkA11y(page, 'flussi: flusso (operatore)');

    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('flows without JavaScript: the plain form uploads, the filter is a GET form', async () => {
  const a = await authorised();
  const refused = generate(a, 'senza-js', '70', 'DE89370400440532013000');
  const browser = await launchBrowser({ javaScriptEnabled: false });
  const page = await browser.context.newPage();
  try {
    await login(page, 'datore.meccanica');
    await page.goto(`${server.baseUrl}/flussi/invio`);
    // A file of another type is explained next to the field.
    const wrong = path.join(work, 'flusso.pdf');
    fs.writeFileSync(wrong, '%PDF-1.7\n');
    await page.setInputFiles('#flusso', wrong);
    await page.getByRole('button', { name: 'Invia il flusso' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('#flusso-error').innerText(), /Tipo di file non ammesso/);
    await page.setInputFiles('#flusso', refused);
    await page.getByRole('button', { name: 'Invia il flusso' }).click();
    await page.waitForURL(/\/flussi\/[0-9a-f-]{36}$/);
    assert.match(await mainText(page), /Esito: rifiutato/);
    await page.selectOption('#filtro-codice', 'CG06');
    await page.getByRole('button', { name: 'Filtra' }).click();
    await page.waitForURL(/codice=CG06/);
    const codes = (await page.locator('#tabella-rilievi tbody th').allInnerTexts()).map((s) => s.trim());
    assert.ok(codes.length > 0 && codes.every((c) => c === 'CG06'), `only CG06: ${codes}`);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
