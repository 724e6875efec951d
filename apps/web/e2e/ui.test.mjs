// End-to-end tests of the web UI in Debian's headless Chromium (playwright-core, no browser
// download) against a running server. run.sh starts the server and passes what it printed:
//   NAVSYNC_E2E_INFO   file with the server's JSON line: url, taxpayers, tokens (reader_all,
//                      admin; optionally expired), optionally bulk_taxpayer, cognito, and
//                      sync_now: false where "sync now" is not available
//   SCREENSHOT_DIR     where screenshots of the main screens go
//   NAVSYNC_E2E_ALL    non-empty: every test must run; one this server cannot serve fails
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
const huf = (v) => new Intl.NumberFormat('hu-HU', { style: 'currency', currency: 'HUF', minimumFractionDigits: 2 }).format(Number(v));
const huDate = (d) => new Intl.DateTimeFormat('hu-HU', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
const huInt = (n) => new Intl.NumberFormat('hu-HU').format(n);

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

test('a bad filter value shows the API\'s problem detail', async () => {
  const page = await newPage();
  await signIn(page, TOK.reader_all, `#/invoices?tp=${TP_A}&direction=OUTBOUND&partner_tax_number=12345678`);
  await listLoaded(page);
  const text = await page.locator('#banner').textContent();
  ok(/partner_tax_number/.test(text), `banner names the parameter: ${text}`);
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
  const en = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'HUF', minimumFractionDigits: 2 }).format(Number(api.items[0].totals.gross_huf));
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
for (const { name, fn, needs } of tests) {
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
