// End-to-end tests of the web UI in Debian's headless Chromium (playwright-core, no browser
// download) against a running server. run.sh starts the server and passes what it printed:
//   NAVSYNC_E2E_INFO   file with the server's JSON line: url, taxpayers, tokens (reader_all,
//                      admin; optionally expired), optionally bulk_taxpayer, cognito, and
//                      sync_now: false where "sync now" is not available
//   SCREENSHOT_DIR     where screenshots of the main screens go
//   NAVSYNC_E2E_ALL    non-empty: every test must run; one this server cannot serve fails
//   NAVSYNC_E2E_GREP   optional: only tests whose name matches this regular expression
// Each test asserts what a user sees against what the API answers for the same request.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const info = JSON.parse(readFileSync(process.env.NAVSYNC_E2E_INFO, 'utf8'));
const BASE = info.url;
const [TP_A, TP_B] = info.taxpayers;
const TOK = info.tokens;
const SHOTS = process.env.SCREENSHOT_DIR || 'screenshots';
mkdirSync(SHOTS, { recursive: true });

// ---------- a tiny runner: sequential, one line per test, a summary line at the end ----------
const tests = [];
/**
 * `needs`: what this test needs of the server: token names, or `info.<key>` for a part of the
 * server's description (`info.cognito`, `info.bulk_taxpayer`). A server without one skips the
 * test by name, unless NAVSYNC_E2E_ALL asks for every test, when it fails.
 */
const test = (name, fn, needs = []) => tests.push({ name, fn, needs });
const lacks = (need) => (need.startsWith('info.') ? !info[need.slice(5)] : !TOK[need]);
const ALL = Boolean(process.env.NAVSYNC_E2E_ALL);
class AssertionError extends Error {}
function ok(cond, msg) { if (!cond) throw new AssertionError(msg); }
function eq(actual, expected, msg) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new AssertionError(`${msg}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// ---------- the API, read directly, as the oracle ----------
async function apiJson(path, token = TOK.reader_all) {
  const res = await fetch(BASE + path, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}
async function apiBytes(path, token = TOK.reader_all) {
  const res = await fetch(BASE + path, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
const list = (tp, q) => apiJson(`/v1/taxpayers/${tp}/invoices?${new URLSearchParams(q)}`);
// The UI's rule: whole forints without ",00", otherwise two decimals; groups of three always.
const hufIn = (locale, v) => {
  const digits = Number.isInteger(Number(v)) ? 0 : 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'HUF', minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: 'always' }).format(Number(v));
};
const huf = (v) => hufIn('hu-HU', v);
const huDate = (d) => new Intl.DateTimeFormat('hu-HU', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
const huInt = (n) => new Intl.NumberFormat('hu-HU', { useGrouping: 'always' }).format(n);

// ---------- browser helpers ----------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function newPage(opts = {}) {
  const context = await browser.newContext({
    locale: 'hu-HU', timezoneId: 'Europe/Budapest', acceptDownloads: true,
    viewport: { width: 1280, height: 900 }, ...opts,
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  return page;
}

async function signIn(page, token = TOK.reader_all, hash = '') {
  await page.goto(`${BASE}/${hash}`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Bejelentkezés tokennel' }).click();
  await page.locator('#topbar').waitFor({ state: 'visible' });
}

async function listLoaded(page) {
  await page.locator('#invoice-table:not([data-stale])[aria-busy="false"]').waitFor();
}
/** Clicks something that re-renders the list and waits for the new list, not the old one. */
async function reload(page, locator) {
  await page.evaluate(() => { const t = document.querySelector('#invoice-table'); if (t) t.dataset.stale = '1'; });
  await locator.click();
  await listLoaded(page);
}
const rowNumbers = (page) => page.locator('#invoice-table tbody tr.row th a').allTextContents();
/** Text a user should never read: a value the UI failed to format or left out. */
async function noJunk(page, where) {
  const text = await page.locator('main').innerText();
  const m = /\b(null|undefined|NaN|Invalid Date|\[object Object\])\b/.exec(text);
  ok(!m, `${where} shows "${m?.[0]}"`);
}
const shot = (page, name, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });

// ---------- tests ----------

test('sign in with a token shows the first page of invoices, formatted the Hungarian way', async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator('#token-form').waitFor();
  await shot(page, '01-sign-in');
  await signIn(page);
  await listLoaded(page);
  const api = await list(TP_A, { direction: 'OUTBOUND', limit: 50 });
  ok(api.items.length > 0, 'the simulator has outbound invoices for taxpayer A');
  eq(await rowNumbers(page), api.items.map((i) => i.invoice_number), 'rows are the API page, in order');
  const first = page.locator('#invoice-table tbody tr.row').first();
  eq((await first.locator('td').nth(0).textContent()), huDate(api.items[0].issue_date), 'issue date in hu-HU');
  eq((await first.locator('td').nth(4).textContent()), huf(api.items[0].totals.gross_huf), 'gross HUF in hu-HU');
  if (api.total != null) ok((await page.locator('#list-summary').textContent()).includes(huInt(api.total)), 'count of the filtered set');
  eq(await page.locator('h1').first().textContent(), `Számlák ${TP_A}`, 'Hungarian heading');
  await noJunk(page, 'the list');
  await shot(page, '02-invoice-list');
  eq(page.errors, [], 'no script errors');
  await page.context().close();
});

test('filters, direction, sort and paging ask the API and show its answer', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  // Filter by a partner name the data has.
  const all = await list(TP_A, { direction: 'OUTBOUND', limit: 100 });
  const name = all.items.find((i) => i.partner_name)?.partner_name;
  ok(name, 'some invoice names its partner');
  const fragment = name.split(' ')[0];
  await page.locator('#f-partner_name').fill(fragment);
  await reload(page, page.locator('#apply'));
  const filtered = await list(TP_A, { direction: 'OUTBOUND', partner_name: fragment, limit: 50 });
  eq(await rowNumbers(page), filtered.items.map((i) => i.invoice_number), `rows for partner_name=${fragment}`);
  ok(page.url().includes(`partner_name=${encodeURIComponent(fragment)}`), 'the filter is in the URL');
  await shot(page, '03-filtered');
  // Direction (filters are kept).
  await reload(page, page.getByRole('link', { name: 'Befogadott (bejövő)' }));
  const inboundFiltered = await list(TP_A, { direction: 'INBOUND', partner_name: fragment, limit: 50 });
  eq(await rowNumbers(page), inboundFiltered.items.map((i) => i.invoice_number), 'inbound rows, same filter');
  await reload(page, page.getByRole('link', { name: 'Törlés' }));
  const inbound = await list(TP_A, { direction: 'INBOUND', limit: 50 });
  eq(await rowNumbers(page), inbound.items.map((i) => i.invoice_number), 'inbound rows, no filter');
  // Sort by issue date, oldest first.
  await reload(page, page.locator('#sort-date'));
  const oldest = await list(TP_A, { direction: 'INBOUND', sort: 'oldest_first', limit: 50 });
  eq(await rowNumbers(page), oldest.items.map((i) => i.invoice_number), 'oldest first');
  eq(await page.locator('th[aria-sort]').getAttribute('aria-sort'), 'ascending', 'aria-sort');
  // Pages: next with the API's cursor, then back.
  await page.goto(`${BASE}/#/invoices?tp=${TP_A}&direction=OUTBOUND&limit=25`);
  await listLoaded(page);
  const p1 = await list(TP_A, { direction: 'OUTBOUND', limit: 25 });
  ok(p1.next_cursor, 'more than 25 outbound invoices');
  const p2 = await list(TP_A, { direction: 'OUTBOUND', limit: 25, cursor: p1.next_cursor });
  await reload(page, page.locator('#next-page'));
  eq(await rowNumbers(page), p2.items.map((i) => i.invoice_number), 'page 2');
  await reload(page, page.locator('#prev-page'));
  eq(await rowNumbers(page), p1.items.map((i) => i.invoice_number), 'back on page 1');
  eq(page.errors, [], 'no script errors');
  await page.context().close();
});

test('a bad filter value: the error once, at its field, translated from the problem\'s stable code (HU and EN)', async () => {
  const q = `direction=OUTBOUND&partner_tax_number=12345678`;
  const res = await fetch(`${BASE}/v1/taxpayers/${TP_A}/invoices?${q}`, { headers: { Authorization: `Bearer ${TOK.reader_all}` } });
  const problem = await res.json();
  eq([res.status, problem.code, problem.parameter], [400, 'invalid_tax_number', 'partner_tax_number'], 'the API\'s problem');
  const page = await newPage();
  await signIn(page, TOK.reader_all, `#/invoices?tp=${TP_A}&${q}`);
  await listLoaded(page);
  const expected = {
    hu: 'Partner adószáma (8 számjegy): adjon meg egy érvényes törzsszámot (az adószám első 8 számjegye).',
    en: 'Partner tax id (8 digits): enter a valid tax id (the first 8 digits of the tax number).',
  };
  for (const lang of ['hu', 'en']) {
    if (lang === 'en') await reload(page, page.locator('#topbar [data-lang-toggle]'));
    const input = page.locator('#f-partner_tax_number');
    eq(await input.getAttribute('aria-invalid'), 'true', `${lang}: the field is marked`);
    eq(await page.locator('#err-f-partner_tax_number').textContent(), expected[lang], `${lang}: the message at the field`);
    eq(await input.getAttribute('aria-describedby'), 'err-f-partner_tax_number', `${lang}: and tied to it`);
    eq(await page.locator('#banner').isVisible(), false, `${lang}: no second copy in the banner`);
    eq(await page.locator('main').getByText(expected[lang]).count(), 1, `${lang}: shown once`);
  }
  await shot(page, '16-filter-error-at-field');
  await page.context().close();
});

test('open an invoice: parties, lines, VAT summary, totals and its modification chain', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  // A MODIFY whose original is stored too, so the chain has both ends to show and follow.
  const mods = await list(TP_A, { direction: 'OUTBOUND', operation: 'MODIFY', limit: 100 });
  ok(mods.items.length > 0, `taxpayer ${TP_A} has no outbound MODIFY invoice`);
  let target;
  let detail;
  for (const m of mods.items) {
    const d = await apiJson(m.href);
    if (d.chain.original) {
      [target, detail] = [m, d];
      break;
    }
  }
  ok(detail, `none of ${mods.items.length} outbound MODIFY invoices of ${TP_A} has its original stored`);
  ok(detail.modification, 'a MODIFY names the invoice it modifies');
  eq(detail.chain.root, detail.chain.original.invoice_number, 'the chain is rooted at the original');
  ok(detail.chain.modifications.some((c) => c.invoice_number === detail.invoice_number), 'the chain lists the MODIFY itself');
  await page.goto(`${BASE}/#/invoice/${target.href.replace('/v1/taxpayers/', '')}`);
  await page.locator('.detail-body[aria-busy="false"]').waitFor();
  ok((await page.locator('h1').textContent()).startsWith(detail.invoice_number), 'heading is the invoice number');
  eq(await page.locator('.party-name').allTextContents(), [detail.supplier.name ?? '—', detail.customer.name ?? '—'], 'parties');
  eq(await page.locator('#lines tbody tr').count(), detail.lines.length, 'one row per line');
  eq(await page.locator('#vat-summary tbody tr').count(), detail.vat_summary.length, 'one row per VAT rate');
  ok((await page.locator('#totals tr.grand').textContent()).includes(huf(detail.totals.gross_huf)), 'gross HUF total');
  if (detail.currency !== 'HUF') ok((await page.locator('#totals').textContent()).includes(detail.currency), 'totals in the invoice currency');
  await noJunk(page, 'the detail');
  await shot(page, '04-invoice-detail');
  eq(await page.locator('#chain li > :first-child').allTextContents(),
    [detail.chain.original, ...detail.chain.modifications].map((m) => m.invoice_number), 'the chain: the original, then each modification');
  ok(await page.locator('#chain li.self').count() === 1, 'the chain marks the invoice shown');
  // Follow the chain link to the original.
  await page.locator('#chain a', { hasText: detail.chain.original.invoice_number }).first().click();
  await page.locator('.detail-body[aria-busy="false"] h1').waitFor();
  ok((await page.locator('h1').textContent()).startsWith(detail.chain.original.invoice_number), 'chain link opens the original');
  ok(await page.locator('#chain li.self').count() === 1, 'the chain marks the invoice shown');
  eq(page.errors, [], 'no script errors');
  await page.context().close();
});

test('download the original XML (fetch with the bearer token, saved as a file)', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  await page.locator('#invoice-table tbody tr.row th a').first().click();
  await page.locator('#download-xml').waitFor();
  const href = page.url().split('#/invoice/')[1];
  const detail = await apiJson(`/v1/taxpayers/${href}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-xml').click()]);
  const path = await download.path();
  const bytes = readFileSync(path);
  eq(createHash('sha256').update(bytes).digest('hex'), detail.document.sha256, 'the file is the archived original');
  ok(download.suggestedFilename().endsWith('.xml'), `file name ${download.suggestedFilename()}`);
  await page.locator('#banner:not([hidden])').waitFor();
  eq(await page.locator('#banner span').textContent(), `Letöltve: ${download.suggestedFilename()}.`, 'the banner names the file as saved');
  await page.context().close();
});

test('export the filtered list as CSV', async () => {
  const page = await newPage();
  const all = await list(TP_A, { direction: 'OUTBOUND', limit: 100 });
  const prefix = all.items[0].invoice_number.slice(0, 3);
  await signIn(page, TOK.reader_all, `#/invoices?tp=${TP_A}&direction=OUTBOUND&invoice_number_prefix=${encodeURIComponent(prefix)}`);
  await listLoaded(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  const expected = (await apiBytes(`/v1/taxpayers/${TP_A}/invoices.csv?direction=OUTBOUND&sort=newest_first&invoice_number_prefix=${encodeURIComponent(prefix)}&dialect=excel_hu`)).toString('utf8');
  eq(csv, expected, 'the export is the API\'s CSV for the same filters');
  ok(csv.charCodeAt(0) === 0xfeff, 'Excel dialect starts with a BOM');
  const rows = csv.trim().split('\n').length - 1;
  ok(rows > 0, 'some rows');
  ok(download.suggestedFilename().endsWith('.csv'), download.suggestedFilename());
  await page.context().close();
});

test('sign out ends the session; the invoice list then asks for sign-in', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  await page.locator('#signout').click();
  await page.locator('#token-form').waitFor();
  eq(await page.locator('#signin-note').textContent(), 'Kijelentkezett.', 'signed-out note');
  eq(await page.evaluate(() => sessionStorage.getItem('navsync.token')), null, 'token forgotten');
  await page.goto(`${BASE}/#/invoices`);
  await page.locator('#token-form').waitFor();
  ok(page.url().includes('#/signin'), 'back at sign-in');
  await page.context().close();
});

test('a wrong token is refused with the server\'s reason; a non-token is caught before sending', async () => {
  const page = await newPage();
  await page.goto(BASE);
  const parts = TOK.reader_all.split('.');
  const forged = `${parts[0]}.${parts[1]}.${parts[2].slice(0, -6)}AAAAAA`;
  const refusal = await fetch(`${BASE}/v1/me`, { headers: { Authorization: `Bearer ${forged}` } });
  eq(refusal.status, 401, 'the API refuses the forged token');
  const detail = (await refusal.json()).detail;
  await page.locator('#token').fill(forged);
  await page.locator('#token-form button[type=submit]').click();
  await page.locator('#signin-error:not(:empty)').waitFor();
  const msg = await page.locator('#signin-error').textContent();
  eq(msg, `A tokent a szerver elutasította: ${detail}`, 'the error gives the server\'s reason');
  eq(await page.locator('#topbar').isVisible(), false, 'still signed out');
  await shot(page, '05-sign-in-refused');
  await page.locator('#token').fill('not a token');
  await page.locator('#token-form button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('Ez nem token'));
  await page.context().close();
});

test('an expired token cannot sign in', async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator('#token').fill(TOK.expired);
  await page.locator('#token-form button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('lejárt'));
  await page.context().close();
}, ['expired']);

test('a session that expires sends the user to sign in and back to where they were', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  const target = (await list(TP_A, { direction: 'OUTBOUND', limit: 3 })).items[2];
  const hash = `#/invoice/${target.href.replace('/v1/taxpayers/', '')}`;
  // The server refuses the token (as when it expired server-side): the API answers 401.
  const parts = TOK.reader_all.split('.');
  await page.evaluate((t) => sessionStorage.setItem('navsync.token', t), `${parts[0]}.${parts[1]}.${parts[2].slice(0, -6)}AAAAAA`);
  await page.goto(`${BASE}/${hash}`);
  await page.locator('#token-form').waitFor();
  eq(await page.locator('#signin-note').textContent(), 'A munkamenet lejárt. Jelentkezzen be újra, és ott folytathatja, ahol abbahagyta.', 'expired note');
  await shot(page, '06-session-expired');
  await page.locator('#token').fill(TOK.reader_all);
  await page.locator('#token-form button[type=submit]').click();
  await page.locator('.detail-body[aria-busy="false"] h1').waitFor();
  eq(new URL(page.url()).hash, hash, 'back on the invoice after signing in');
  ok((await page.locator('h1').textContent()).startsWith(target.invoice_number), 'the same invoice');
  // The token's own exp passing is noticed before any request.
  await page.evaluate((t) => sessionStorage.setItem('navsync.token', t), TOK.expired);
  await page.locator('.back').click();
  await page.locator('#token-form').waitFor();
  ok(decodeURIComponent(page.url()).includes('next=#/invoices'), `next kept: ${page.url()}`);
  await page.context().close();
}, ['expired']);

test('the session ends when the token expires, even while the user only reads', async () => {
  const page = await newPage();
  await page.clock.install();
  await signIn(page);
  await listLoaded(page);
  await page.locator('#invoice-table tbody tr.row th a').first().click();
  await page.locator('.detail-body[aria-busy="false"] h1').waitFor();
  const hash = new URL(page.url()).hash;
  await page.clock.fastForward('01:00:30'); // past the token's one-hour exp
  await page.locator('#token-form').waitFor();
  ok((await page.locator('#signin-note').textContent()).startsWith('A munkamenet lejárt'), 'expired note');
  eq(new URL(page.url()).searchParams.get('next') ?? new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('next'), hash, 'where to come back to');
  await page.context().close();
});

test('sync status per taxpayer; an admin starts a sync and sees its result', async () => {
  const page = await newPage();
  await signIn(page, TOK.reader_all, '#/sync');
  await page.locator('.sync-card[aria-busy="false"]').nth(1).waitFor();
  const readable = info.taxpayers.length + (info.bulk_taxpayer ? 1 : 0);
  await page.locator('.sync-card[aria-busy="false"]').nth(readable - 1).waitFor();
  eq(await page.locator('.sync-card').count(), readable, 'one card per taxpayer');
  eq(await page.locator('.sync-now').count(), 0, 'a reader gets no sync button');
  await page.context().close();

  const admin = await newPage();
  await signIn(admin, TOK.admin, '#/sync');
  const card = admin.locator(`.sync-card[data-taxpayer="${TP_B}"]`);
  await card.locator('.sync-now').waitFor();
  if (info.sync_now === false) {
    // This server cannot start syncs: the admin sees the API's reason, not a spinner.
    const res = await fetch(`${BASE}/v1/taxpayers/${TP_B}/sync`, { method: 'POST', headers: { Authorization: `Bearer ${TOK.admin}` } });
    const { detail } = await res.json();
    await card.locator('.sync-now').click();
    await admin.waitForFunction((tp) => document.querySelector(`.sync-card[data-taxpayer="${tp}"] .sync-result`)?.textContent.length > 0, TP_B);
    const shown = await card.locator('.sync-result').textContent();
    eq(shown, `A szinkronizálás nem indult el: ${detail}`, 'shows why');
    eq(await card.locator('.sync-result').evaluate((el) => getComputedStyle(el).color), 'rgb(164, 38, 44)', 'in the error colour');
    ok(await card.locator('.sync-now').isEnabled(), 'the button can be used again');
    await shot(admin, '07-sync-status');
    await admin.context().close();
    return;
  }
  const before = await apiJson(`/v1/taxpayers/${TP_B}/sync`, TOK.admin);
  await shot(admin, '07-sync-status');
  await card.locator('.sync-now').click();
  await admin.waitForFunction((tp) => document.querySelector(`.sync-card[data-taxpayer="${tp}"] .sync-result`)?.textContent.length > 0, TP_B);
  const result = await card.locator('.sync-result').textContent();
  ok(result.includes(TP_B), `result names the taxpayer: ${result}`);
  const after = await apiJson(`/v1/taxpayers/${TP_B}/sync`, TOK.admin);
  ok(after.directions[0].last_run.finished_at > before.directions[0].last_run.finished_at, 'a new run was recorded');
  ok((await card.textContent()).includes('Sikeres'), 'the run shows as completed');
  await noJunk(admin, 'the sync status');
  await shot(admin, '08-sync-done');
  await admin.context().close();
});

test('the sync page lists a quarantined invoice with its reason', async () => {
  const p = info.pending;
  const page = await newPage();
  await signIn(page, TOK.reader_all, '#/sync');
  const dir = page.locator(`.sync-card[data-taxpayer="${p.taxpayer}"] .sync-dir[data-direction="${p.direction}"]`);
  await dir.locator('table.pending').waitFor();
  const rows = dir.locator('table.pending tbody tr');
  eq(await rows.count(), 1, 'one pending invoice');
  const row = rows.first();
  eq(await row.getAttribute('data-invoice'), p.invoice_number, 'the row names the invoice');
  eq(await row.locator('td').allTextContents().then((c) => c.slice(0, 4)),
    [p.invoice_number, p.supplier, p.reason, '1'], 'number, supplier, reason, attempts');
  const other = page.locator(`.sync-card[data-taxpayer="${p.taxpayer}"] .sync-dir:not([data-direction="${p.direction}"])`);
  eq(await other.locator('.pending-none').count(), 1, 'the other direction has none pending');
  await noJunk(page, 'the pending list');
  await shot(page, '09-sync-pending');
  await page.context().close();
}, ['info.pending']);

test('an invoice whose document breaks a rule NAV does not enforce shows the warning', async () => {
  const w = info.warned;
  const found = await list(w.taxpayer, { direction: 'OUTBOUND', invoice_number_prefix: w.invoice_number });
  eq(found.items.length, 1, 'the API lists the invoice');
  const page = await newPage();
  await signIn(page);
  await page.goto(`${BASE}/#/invoice/${found.items[0].href.replace('/v1/taxpayers/', '')}`);
  await page.locator('.detail-body[aria-busy="false"]').waitFor();
  const section = page.locator('.invoice-warnings');
  eq(await section.count(), 1, 'a warnings section');
  eq(await section.locator('li').allTextContents(), w.warnings, 'each warning as the API gives it');
  await noJunk(page, 'the warnings');
  await page.context().close();
}, ['info.warned']);

test('English and Hungarian: switchable, remembered, formatted per language', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  await reload(page, page.locator('#topbar [data-lang-toggle]'));
  eq(await page.locator('h1').first().textContent(), `Invoices ${TP_A}`, 'English heading');
  const api = await list(TP_A, { direction: 'OUTBOUND', limit: 50 });
  const en = hufIn('en-GB', api.items[0].totals.gross_huf);
  eq(await page.locator('#invoice-table tbody tr.row').first().locator('td').nth(4).textContent(), en, 'en-GB amounts');
  await page.reload();
  await listLoaded(page);
  eq(await page.locator('h1').first().textContent(), `Invoices ${TP_A}`, 'still English after reload');
  eq(await page.evaluate(() => document.documentElement.lang), 'en', 'html lang');
  await page.context().close();
});

test('phone width: the list and an invoice fit the screen', async () => {
  const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await signIn(page);
  await listLoaded(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
  await shot(page, '09-phone-list', false);
  await page.locator('#invoice-table tbody tr.row th a').first().click();
  await page.locator('.detail-body[aria-busy="false"] h1').waitFor();
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow2 <= 0, `detail: no sideways scrolling (overflow ${overflow2}px)`);
  await noJunk(page, 'the phone detail');
  await shot(page, '10-phone-detail', false);
  await page.context().close();
});

test('keyboard: sign in, reach an invoice row and open it without a mouse', async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator('#token').focus();
  await page.keyboard.insertText(TOK.reader_all);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await listLoaded(page);
  const first = await page.locator('#invoice-table tbody tr.row th a').first().textContent();
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.classList.contains('inv-link'));
  }
  ok(reached, 'Tab reaches the first invoice link');
  eq(await page.evaluate(() => document.activeElement.textContent), first, 'the first row comes first');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  ok(outline !== 'none', 'the focused link shows a focus ring');
  await page.keyboard.press('Enter');
  await page.locator('.detail-body[aria-busy="false"] h1').waitFor();
  ok((await page.locator('h1').textContent()).startsWith(first), 'Enter opens it');
  await page.context().close();
});

test('no layout shift while loading: skeleton rows take the space of the rows', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  const loadedHeight = (await page.locator('#invoice-table').boundingBox()).height;
  // Hold the next listing answer until the skeleton has been measured.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/v1/taxpayers/*/invoices?*', async (route) => { await held; await route.continue(); });
  await page.evaluate(() => {
    window.__shift = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
      .observe({ type: 'layout-shift', buffered: false });
  });
  await page.locator('#sort-date').click();
  await page.locator('#invoice-table[aria-busy="true"] tr.skeleton').first().waitFor();
  const skeletonHeight = (await page.locator('#invoice-table').boundingBox()).height;
  await page.screenshot({ path: join(SHOTS, '11-loading-skeleton.png') });
  release();
  await listLoaded(page);
  const afterHeight = (await page.locator('#invoice-table').boundingBox()).height;
  eq(Math.round(skeletonHeight), Math.round(loadedHeight), 'skeleton table is as tall as the loaded one');
  eq(Math.round(afterHeight), Math.round(loadedHeight), 'loaded table keeps that height');
  const shift = await page.evaluate(() => window.__shift);
  ok(shift < 0.01, `cumulative layout shift ${shift}`);
  await page.context().close();
});

// ---------- accessibility (axe-core, WCAG 2.1 AA), small screens, keyboard ----------

const AXE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** axe-core's WCAG 2.1 A/AA rules on the page as it is now; throws listing each violation. */
async function axe(page, where) {
  // A frame first: the UI marks wide tables scrollable (focusable) from a ResizeObserver.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG21AA);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  eq(found, [], `axe WCAG 2.1 AA on ${where}`);
}
async function noSidewaysScroll(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  ok(overflow <= 0, `${where}: the page scrolls sideways by ${overflow}px`);
}
/** What has focus, and whether a sighted keyboard user can see it: on screen, with a ring. */
async function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: (el.textContent || '').trim().slice(0, 60),
      href: el.getAttribute('href'),
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
      ring: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
    };
  });
}
async function focusPlaced(page, where, check = () => true) {
  const f = await focusState(page);
  ok(f.tag !== 'body' && f.tag !== 'main', `${where}: focus fell to <${f.tag}>`);
  ok(f.onScreen && f.ring, `${where}: focus on <${f.tag} id=${f.id} class=${f.cls}> is not visible (${JSON.stringify(f)})`);
  ok(check(f), `${where}: focus is on ${JSON.stringify(f)}`);
  return f;
}
async function tabTo(page, selector, where, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel), selector)) return;
  }
  throw new AssertionError(`${where}: Tab never reached ${selector}`);
}
const detailLoaded = (page) => page.locator('.detail-body[aria-busy="false"] h1').waitFor();

/** An invoice of each interesting kind for the views: a modified or cancelled one has a chain. */
async function viewTargets() {
  for (const operation of ['STORNO', 'MODIFY']) {
    for (const tp of [TP_A, TP_B]) {
      const found = (await list(tp, { direction: 'OUTBOUND', operation, limit: 1 })).items[0];
      if (found) return { detail: found.href.replace('/v1/taxpayers/', ''), tp, operation };
    }
  }
  throw new AssertionError('neither taxpayer has an outbound STORNO or MODIFY invoice');
}

const TITLES = {
  hu: { signin: 'Bejelentkezés — navsync', list: `Számlák ${TP_A} — navsync`, sync: 'Szinkronizálás — navsync', notFound: 'Nincs ilyen oldal — navsync' },
  en: { signin: 'Sign in — navsync', list: `Invoices ${TP_A} — navsync`, sync: 'Sync status — navsync', notFound: 'No such page — navsync' },
};

for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone 375 px', { width: 375, height: 812 }], ['phone 320 px', { width: 320, height: 640 }]]) {
  test(`axe WCAG 2.1 AA, no sideways scroll and a title of its own on every view, HU and EN (${label})`, async () => {
    const { detail } = await viewTargets();
    const phone = viewport.width < 720;
    const page = await newPage({ viewport, bypassCSP: true, ...(phone ? { isMobile: true, hasTouch: true } : {}) });
    const tag = label.replace(/\W+/g, '-');
    for (const lang of ['hu', 'en']) {
      await page.goto(BASE);
      await page.evaluate((l) => localStorage.setItem('navsync.lang', l), lang);
      await page.reload();
      await page.locator('#token-form').waitFor();
      eq(await page.title(), TITLES[lang].signin, `${lang} sign-in title`);
      await axe(page, `sign-in (${lang}, ${label})`);
      await noSidewaysScroll(page, `sign-in (${lang}, ${label})`);
      await page.locator('#token').fill(TOK.reader_all);
      await page.locator('#token-form button[type=submit]').click();
      await listLoaded(page);
      eq(await page.title(), TITLES[lang].list, `${lang} list title`);
      await axe(page, `the list (${lang}, ${label})`);
      await noSidewaysScroll(page, `the list (${lang}, ${label})`);
      await shot(page, `a11y-${tag}-${lang}-list`, false);
      await page.goto(`${BASE}/#/invoice/${detail}`);
      await detailLoaded(page);
      const number = (await page.locator('.detail-body h1').textContent()).split(' ')[0];
      eq(await page.title(), lang === 'hu' ? `${number} számla — navsync` : `Invoice ${number} — navsync`, `${lang} detail title`);
      await axe(page, `an invoice (${lang}, ${label})`);
      await noSidewaysScroll(page, `an invoice (${lang}, ${label})`);
      await shot(page, `a11y-${tag}-${lang}-detail`);
      await page.goto(`${BASE}/#/sync`);
      await page.locator('.sync-card[aria-busy="false"]').first().waitFor();
      await page.locator('.sync-card[aria-busy="true"]').waitFor({ state: 'detached' });
      eq(await page.title(), TITLES[lang].sync, `${lang} sync title`);
      await axe(page, `sync status (${lang}, ${label})`);
      await noSidewaysScroll(page, `sync status (${lang}, ${label})`);
      await page.goto(`${BASE}/#/nowhere`);
      await page.locator('main h1').waitFor();
      eq(await page.title(), TITLES[lang].notFound, `${lang} not-found title`);
      await axe(page, `not found (${lang}, ${label})`);
      await page.evaluate(() => sessionStorage.clear());
    }
    eq(page.errors, [], 'no script errors');
    await page.context().close();
  });
}

test('phone list: a cancellation keeps its badge, column headers stay for screen readers, wide tables take focus', async () => {
  const { detail, tp, operation } = await viewTargets();
  const page = await newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  await signIn(page, TOK.reader_all, `#/invoices?tp=${tp}&direction=OUTBOUND&operation=${operation}`);
  await listLoaded(page);
  const badge = page.locator('#invoice-table tbody tr.row').first().locator('.badge');
  eq(await badge.textContent(), operation === 'STORNO' ? 'Sztornó' : 'Módosító', 'the badge names the operation');
  ok(await badge.isVisible(), 'and is shown on a phone');
  for (const name of ['Számlaszám', 'Partner', 'Művelet', 'Bruttó (Ft)']) {
    eq(await page.getByRole('columnheader', { name, exact: true }).count(), 1, `column header "${name}" in the accessibility tree`);
  }
  await page.goto(`${BASE}/#/invoice/${detail}`);
  await detailLoaded(page);
  const lines = page.locator('.table-wrap:has(#lines)');
  ok(await lines.evaluate((el) => el.scrollWidth > el.clientWidth), 'the line table is wider than a phone');
  eq(await lines.getAttribute('tabindex'), '0', 'so its region takes keyboard focus');
  eq(await lines.getAttribute('aria-label'), 'Tételek (vízszintesen görgethető)', 'named, saying it scrolls');
  ok(await lines.locator('.scroll-hint').isVisible(), 'with a visible cue');
  await lines.focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('.table-wrap:has(#lines)').scrollLeft > 0);
  await shot(page, '13-phone-lines-scroll-cue', false);
  await page.context().close();
});

test('keyboard only: skip link, sign in, filter, open, back, page, download, export, language; focus placed and visible', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/#/invoices?tp=${TP_A}&direction=OUTBOUND&limit=25`);
  await page.locator('#token-form').waitFor();
  // Skip link: focus to the content, the route stays.
  await page.keyboard.press('Tab');
  eq((await focusState(page)).text, 'Ugrás a tartalomra', 'first Tab reaches the skip link');
  const before = page.url();
  await page.keyboard.press('Enter');
  await focusPlaced(page, 'skip link', (f) => f.tag === 'h1');
  eq(page.url(), before, 'the skip link is not a route');
  eq(await page.locator('main').getByText('Nincs ilyen oldal').count(), 0, 'no "no such page"');
  // Sign in.
  await tabTo(page, '#token', 'sign-in');
  await page.keyboard.insertText(TOK.reader_all);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await listLoaded(page);
  await focusPlaced(page, 'after signing in', (f) => f.tag === 'h1');
  // Filter: type a partner name and press Enter in the field.
  const all = await list(TP_A, { direction: 'OUTBOUND', limit: 100 });
  const fragment = all.items.find((i) => i.partner_name).partner_name.split(' ')[0];
  await tabTo(page, '#f-partner_name', 'filters');
  await page.keyboard.insertText(fragment);
  await page.evaluate(() => { document.querySelector('#invoice-table').dataset.stale = '1'; });
  await page.keyboard.press('Enter');
  await listLoaded(page);
  await focusPlaced(page, 'after filtering', (f) => f.id === 'f-partner_name');
  // Clear the filter and page: 25 a page, Next keeps focus on itself once the page is in.
  await page.goto(`${BASE}/#/invoices?tp=${TP_A}&direction=OUTBOUND&limit=25`);
  await listLoaded(page);
  await tabTo(page, '#next-page', 'paging');
  await page.evaluate(() => { document.querySelector('#invoice-table').dataset.stale = '1'; });
  await page.keyboard.press('Enter');
  await listLoaded(page);
  const p1 = await list(TP_A, { direction: 'OUTBOUND', limit: 25 });
  const p2 = await list(TP_A, { direction: 'OUTBOUND', limit: 25, cursor: p1.next_cursor });
  eq(await rowNumbers(page), p2.items.map((i) => i.invoice_number), 'page 2');
  await focusPlaced(page, 'after Next page', (f) => f.id === 'next-page');
  // Open the third row; focus goes to the invoice's heading.
  const third = p2.items[2];
  await tabTo(page, `a.inv-link[href="#/invoice/${third.href.replace('/v1/taxpayers/', '')}"]`, 'third row');
  await page.keyboard.press('Enter');
  await detailLoaded(page);
  await focusPlaced(page, 'after opening an invoice', (f) => f.tag === 'h1' && f.text.startsWith(third.invoice_number));
  // Download the XML: focus stays on the button.
  await tabTo(page, '#download-xml', 'download');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  await download.path();
  await page.locator('#banner:not([hidden])').waitFor();
  await focusPlaced(page, 'after downloading', (f) => f.id === 'download-xml');
  // Back (Shift+Tab from the download button reaches it): the row of the invoice gets focus.
  // Shift+Tab passes "Nyomtatás" on the way back to Back.
  for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+Tab');
  eq((await focusState(page)).cls, 'back', 'Shift+Tab from the download button reaches Back');
  await page.evaluate(() => { const t = document.querySelector('#invoice-table'); if (t) t.dataset.stale = '1'; });
  await page.keyboard.press('Enter');
  await listLoaded(page);
  await focusPlaced(page, 'after Back', (f) => f.text === third.invoice_number);
  // Export CSV: focus stays on the button.
  await tabTo(page, '#export-csv', 'export');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  await csv.path();
  await page.locator('#banner:not([hidden])').waitFor();
  eq(await page.locator('#banner span').textContent(), `Exportálva: ${csv.suggestedFilename()}.`, 'banner names the saved CSV');
  await focusPlaced(page, 'after exporting', (f) => f.id === 'export-csv');
  // Switch language from the keyboard.
  await tabTo(page, '#topbar [data-lang-toggle]', 'language');
  await page.keyboard.press('Enter');
  await listLoaded(page);
  await focusPlaced(page, 'after switching language', (f) => f.text === 'Magyar');
  eq(await page.title(), `Invoices ${TP_A} — navsync`, 'English title');
  await shot(page, '14-keyboard-walk', false);
  eq(page.errors, [], 'no script errors');
  await page.context().close();
});

test('printable invoice, HU and EN: print media shows the invoice alone; page.pdf() writes it', async () => {
  const { detail: rest } = await viewTargets();
  const inv = await apiJson(`/v1/taxpayers/${rest}`);
  const page = await newPage({ bypassCSP: true });
  await signIn(page, TOK.reader_all, `#/invoice/${rest}`);
  await detailLoaded(page);
  eq(await page.locator('#print-view').textContent(), 'Nyomtatás', 'a "Nyomtatás" button on the invoice');
  await page.locator('#print-view').click();
  const TITLE = { hu: { CREATE: 'Számla', STORNO: 'Sztornó számla' }, en: { CREATE: 'Invoice', STORNO: 'Cancelling invoice' } };
  for (const lang of ['hu', 'en']) {
    if (lang === 'en') {
      await page.emulateMedia({ media: 'screen' });
      await page.locator('#topbar [data-lang-toggle]').click();
    }
    await page.locator('.print-doc[aria-busy="false"]').waitFor();
    await page.locator(lang === 'hu' ? '.print-doc h2:has-text("Eladó")' : '.print-doc h2:has-text("Supplier")').waitFor();
    await axe(page, `the print view (${lang}, screen)`);
    await page.emulateMedia({ media: 'print' });
    for (const chrome of ['#topbar', '.mainnav', '.print-actions', '#print-now']) {
      eq(await page.locator(chrome).isVisible(), false, `${chrome} is not printed (${lang})`);
    }
    ok(await page.locator('.print-doc').isVisible(), `the invoice is printed (${lang})`);
    const text = await page.locator('.print-doc').innerText();
    if (TITLE[lang][inv.operation]) eq(await page.locator('.print-doc h1').textContent(), TITLE[lang][inv.operation], `${lang} title`);
    ok(text.includes(inv.invoice_number), `${lang}: the number`);
    for (const p of [inv.supplier, inv.customer]) {
      if (p.name) ok(text.includes(p.name), `${lang}: party ${p.name}`);
      if (p.tax_number) ok(text.includes(p.tax_number), `${lang}: tax number ${p.tax_number}`);
      if (p.address) ok(text.includes(p.address.city), `${lang}: city ${p.address.city}`);
    }
    eq(await page.locator('#print-lines tbody tr').count(), inv.lines.length, `${lang}: one row per line`);
    eq(await page.locator('#print-vat tbody tr').count(), inv.vat_summary.length, `${lang}: one row per VAT rate`);
    const gross = await page.locator('#print-totals tr.grand').innerText();
    ok(gross.includes(hufIn(lang === 'hu' ? 'hu-HU' : 'en-GB', inv.totals.gross_huf)), `${lang}: gross HUF total in ${gross}`);
    await page.screenshot({ path: join(SHOTS, `15-print-${lang}.png`), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', path: join(SHOTS, `15-print-${lang}.pdf`) });
    eq(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `${lang}: page.pdf() writes a PDF`);
    ok(pdf.length > 5000, `${lang}: PDF of ${pdf.length} bytes`);
  }
  eq(page.errors, [], 'no script errors');
  await page.context().close();
});

test('another tab of the same browser is signed in by the open one; signing out there signs out both', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  const second = await page.context().newPage();
  await second.goto(`${BASE}/#/invoices?tp=${TP_A}&direction=OUTBOUND`);
  await listLoaded(second);
  eq(await second.locator('#topbar').isVisible(), true, 'the second tab shows invoices without asking for the token');
  eq(await second.evaluate(() => localStorage.getItem('navsync.token')), null, 'the token is not written to localStorage');
  await second.locator('#signout').click();
  await second.locator('#token-form').waitFor();
  await page.locator('#token-form').waitFor();
  eq(await page.evaluate(() => sessionStorage.getItem('navsync.token')), null, 'the first tab forgot the token too');
  await page.context().close();
});

test('an invoice that is not stored: the translated problem once, where the invoice would be', async () => {
  const path = `/v1/taxpayers/${TP_A}/invoices/OUTBOUND/${TP_A}/NO-SUCH-INVOICE-1`;
  const res = await fetch(BASE + path, { headers: { Authorization: `Bearer ${TOK.reader_all}` } });
  eq([res.status, (await res.json()).code], [404, 'not_found'], 'the API answers 404 not_found');
  const page = await newPage();
  await signIn(page, TOK.reader_all, `#/invoice/${path.replace('/v1/taxpayers/', '')}`);
  await page.locator('.detail-body[aria-busy="false"]').waitFor();
  const msg = 'Nem található: lehet, hogy még nincs szinkronizálva.';
  eq(await page.locator('.detail-body').textContent(), msg, 'the message in Hungarian');
  eq(await page.locator('#banner').isVisible(), false, 'no second copy in the banner');
  page.errors = page.errors.filter((e) => !/HTTP 404|Not found|Nem található|no such invoice/i.test(e));
  eq(page.errors, [], 'no other script errors');
  await page.context().close();
});

test('focus ring and field borders have at least 3:1 contrast against what they sit on (WCAG 1.4.11)', async () => {
  const page = await newPage();
  await signIn(page);
  await listLoaded(page);
  // A key press first: focus() then counts as keyboard focus, so :focus-visible (the ring) applies.
  await page.keyboard.press('Shift');
  const ratios = await page.evaluate(() => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (!/rgba\(.*, 0\)|transparent/.test(c)) return c; } return 'rgb(255, 255, 255)'; };
    const input = document.querySelector('#f-partner_name');
    const link = document.querySelector('a.inv-link');
    const lang = document.querySelector('#topbar [data-lang-toggle]');
    const out = {};
    out.inputBorder = ratio(getComputedStyle(input).borderTopColor, bgOf(input.parentElement));
    input.focus();
    out.inputRing = ratio(getComputedStyle(input).outlineColor, bgOf(input.parentElement));
    link.focus();
    if (!link.matches(':focus-visible')) throw new Error('the focused link is not :focus-visible');
    out.linkRing = ratio(getComputedStyle(link).outlineColor, bgOf(link));
    lang.focus();
    out.topbarRing = ratio(getComputedStyle(lang).outlineColor, bgOf(lang.parentElement));
    // The ring colour against the page's own background (a focused control outside any card).
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.documentElement).getPropertyValue('--focus');
    document.body.append(probe);
    out.page = ratio(getComputedStyle(probe).color, getComputedStyle(document.documentElement).backgroundColor);
    probe.remove();
    return out;
  });
  console.log(`     contrast: ${Object.entries(ratios).map(([k, r]) => `${k} ${r.toFixed(2)}:1`).join(", ")}`);
  for (const [what, r] of Object.entries(ratios)) ok(r >= 3, `${what}: contrast ${r.toFixed(2)}:1 is under 3:1`);
  await page.context().close();
});

test('amounts: whole forints without ",00", grouped from 4 digits; VAT content as a percentage; NAV codes translated', async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator('#token-form').waitFor();
  const got = await page.evaluate(async () => {
    const f = await import('/i18n.js');
    const out = { hu: {}, en: {} };
    for (const l of ['hu', 'en']) {
      f.setLang(l);
      out[l] = {
        whole: f.money('206011', 'HUF'), cents: f.money('6330.95', 'HUF'), small: f.money('950', 'HUF'), eur: f.money('1234.5', 'EUR'),
        pct: f.percent('0.1525'), unit: f.code('unit', 'LITER'), own: f.code('unit', 'raklap'), vs: f.code('vs', 'PRIVATE_PERSON'),
      };
    }
    f.setLang('hu');
    return out;
  });
  const nb = (s) => s.replace(/[\u00a0\u202f]/g, ' ');
  eq(Object.fromEntries(Object.entries(got.hu).map(([k, v]) => [k, nb(v)])), {
    whole: '206 011 Ft', cents: '6 330,95 Ft', small: '950 Ft', eur: '1 234,50 EUR', pct: '15,25%', unit: 'liter', own: 'raklap',
    vs: 'Magánszemély (nem ÁFA-alany természetes személy)',
  }, 'Hungarian');
  eq(Object.fromEntries(Object.entries(got.en).map(([k, v]) => [k, nb(v)])), {
    whole: 'HUF 206,011', cents: 'HUF 6,330.95', small: 'HUF 950', eur: '€1,234.50', pct: '15.25%', unit: 'litre', own: 'raklap',
    vs: 'Private person (not a VAT subject)',
  }, 'English');
  await page.context().close();
});

test('static files: a reload revalidates with the ETag (304) and gets them gzipped', async () => {
  const res = await fetch(`${BASE}/app.js`, { headers: { 'Accept-Encoding': 'gzip' } });
  eq(res.headers.get('content-encoding'), 'gzip', 'gzip');
  const etag = res.headers.get('etag');
  ok(etag, 'an ETag');
  const again = await fetch(`${BASE}/app.js`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } });
  eq(again.status, 304, 'If-None-Match answered 304');
  const page = await newPage();
  const statuses = [];
  page.on('response', (r) => { if (/\/(app|i18n)\.js$/.test(r.url())) statuses.push(r.status()); });
  await page.goto(BASE);
  await page.locator('#token-form').waitFor();
  await page.reload();
  await page.locator('#token-form').waitFor();
  ok(statuses.includes(304), `the reload revalidated: ${statuses}`);
  await page.context().close();
});

{
  test('a taxpayer with 100,000 invoices: pages of 100 from the server, cursors forward and back, filters', async () => {
    const tp = info.bulk_taxpayer;
    const page = await newPage();
    await signIn(page, TOK.reader_all, `#/invoices?tp=${tp}&direction=OUTBOUND&limit=100`);
    await listLoaded(page);
    let api = await list(tp, { direction: 'OUTBOUND', limit: 100 });
    eq(await rowNumbers(page), api.items.map((i) => i.invoice_number), 'page 1');
    const summary = await page.locator('#list-summary').textContent();
    ok(api.total == null ? summary.includes('1–100') : summary.includes(huInt(api.total)), `summary: ${summary}`);
    const pages = [api];
    for (let n = 2; n <= 3; n++) {
      api = await list(tp, { direction: 'OUTBOUND', limit: 100, cursor: api.next_cursor });
      pages.push(api);
      await reload(page, page.locator('#next-page'));
      eq(await rowNumbers(page), api.items.map((i) => i.invoice_number), `page ${n}`);
      ok((await page.locator('#list-summary').textContent()).includes(`${huInt((n - 1) * 100 + 1)}–${huInt(n * 100)}`), `range of page ${n}`);
    }
    await reload(page, page.locator('#prev-page'));
    eq(await rowNumbers(page), pages[1].items.map((i) => i.invoice_number), 'back to page 2');
    eq(await page.locator('#invoice-table tbody tr').count(), 100, 'the DOM holds one page, never the whole set');
    await page.locator('#f-partner_name').fill('Partner 7 Kft');
    await reload(page, page.locator('#apply'));
    const filtered = await list(tp, { direction: 'OUTBOUND', limit: 100, partner_name: 'Partner 7 Kft' });
    ok(filtered.items.length > 0, 'the bulk taxpayer has invoices of Partner 7 Kft.');
    eq(await rowNumbers(page), filtered.items.map((i) => i.invoice_number), 'filtered page');
    ok((await page.locator('td.partner').allTextContents()).every((t) => t.startsWith('Partner 7 Kft.')), 'every row is that partner');
    await page.context().close();
  }, ['info.bulk_taxpayer']);
}

{
  test('Cognito: a wrong password is refused; first sign-in sets a new password by the rules', async () => {
    const c = info.cognito;
    const page = await newPage();
    await page.goto(BASE);
    await page.locator('#cognito-form').waitFor();
    await page.locator('#username').fill(c.username);
    await page.locator('#password').fill('Wrong-password-1');
    await page.locator('#cognito-form button[type=submit]').click();
    await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('Hibás'));
    await page.locator('#password').fill(c.temporaryPassword);
    await page.locator('#cognito-form button[type=submit]').click();
    await page.locator('#new-password-form').waitFor();
    await page.locator('#new-password').fill('short');
    eq(await page.locator('#pw-rules li.met').count(), 1, '"short" meets only the lower-case rule');
    await shot(page, '12-cognito-new-password');
    await page.locator('#confirm-password').fill('short');
    await page.locator('#new-password-form button[type=submit]').click();
    await page.waitForFunction(() => document.querySelector('#signin-error').textContent.length > 0);
    await page.locator('#new-password').fill('Jo-Jelszo-2024!');
    eq(await page.locator('#pw-rules li.met').count(), 5, 'a good password meets every rule');
    await page.locator('#confirm-password').fill('Jo-Jelszo-2024!');
    await page.locator('#new-password-form button[type=submit]').click();
    await page.locator('#topbar').waitFor({ state: 'visible' });
    await listLoaded(page);
    ok((await rowNumbers(page)).length > 0, 'signed in through Cognito, invoices shown');
    await page.context().close();
  }, ['info.cognito']);
}

// ---------- run ----------
let passed = 0;
let failed = 0;
// NAVSYNC_E2E_GREP: while developing, run only the tests whose name matches (the rest are not counted).
const GREP = process.env.NAVSYNC_E2E_GREP ? new RegExp(process.env.NAVSYNC_E2E_GREP) : null;
for (const { name, fn, needs } of tests) {
  if (GREP && !GREP.test(name)) continue;
  const missing = needs.filter(lacks);
  if (missing.length) {
    const why = `this server gives no ${missing.map((n) => (n.startsWith('info.') ? n.slice(5) : `${n} token`)).join(', ')}`;
    if (ALL) {
      failed++;
      console.log(`FAIL ${name}\n     ${why}, and NAVSYNC_E2E_ALL asks for every test`);
    } else {
      console.log(`skip ${name} (${why})`);
    }
    continue;
  }
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e.stack?.split('\n').slice(0, 4).join('\n     ') ?? e}`);
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
