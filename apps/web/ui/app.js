// navsync's web UI: hash routes (#/signin, #/invoices, #/invoice/…, #/sync) over the API.
import * as api from './api.js';
import { h, facts } from './dom.js';
import * as fmt from './i18n.js';
import { t } from './i18n.js';
import * as session from './session.js';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
const state = {
  config: {},
  me: null,
  /** Cursors of the pages before the current one, per list query, for "Previous". */
  cursorStacks: new Map(),
  lastList: '#/invoices',
  /** The invoice last opened from the list: Back puts focus on its row again. */
  lastInvoice: null,
  /** Id of the control to focus once the list has loaded (a pager link is inert until then). */
  focusAfterList: null,
};

/** replaceChildren without the "null" text it would make of absent parts. */
function fill(el, ...children) {
  el.replaceChildren(...children.filter((c) => c != null && c !== false));
}

/** Moves focus to `el` (a view's heading gets tabindex=-1 for it); false if it cannot take it. */
function placeFocus(el) {
  if (!el) return false;
  if (!el.matches('a[href], button, input, select, textarea, [tabindex]')) el.setAttribute('tabindex', '-1');
  el.focus();
  return document.activeElement === el;
}

/** The view's title in the tab and the history list, in the current language. */
function setTitle(key, vars) {
  document.title = `${t(key, vars)} — navsync`;
}

// A wide table inside .table-wrap scrolls sideways on a phone: then the region takes keyboard
// focus (arrow keys scroll it), is named for screen readers, and shows a cue (style.css).
const scrollWatch = new ResizeObserver((entries) => {
  for (const { target } of entries) markScrollable(target.closest('.table-wrap') ?? target);
});
function markScrollable(wrap) {
  const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
  wrap.classList.toggle('scrolls', scrolls);
  if (scrolls) wrap.setAttribute('tabindex', '0');
  else if (document.activeElement !== wrap) wrap.removeAttribute('tabindex');
}
function scrollRegion(name, table) {
  const wrap = h('div', { class: 'table-wrap', role: 'region', 'aria-label': t('scroll.region', { name }) },
    table, h('p', { class: 'scroll-hint', 'aria-hidden': 'true' }, `← ${t('scroll.hint')} →`));
  scrollWatch.observe(wrap);
  scrollWatch.observe(table);
  return wrap;
}

// ---------- routing ----------

/** True for an in-page anchor such as the skip link's #main: not a route. */
function isAnchor(hash) {
  return hash.length > 1 && !hash.startsWith('#/');
}

function parseHash() {
  const raw = (isAnchor(location.hash) ? '' : location.hash.replace(/^#/, '')) || '/invoices';
  const [path, query = ''] = raw.split('?');
  return { path, params: new URLSearchParams(query) };
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function listHash(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') p.set(k, v);
  return `#/invoices?${p}`;
}

/** Ends the session and shows sign-in; `next` brings the user back after signing in. */
function endSession(reason) {
  session.clear();
  state.me = null;
  const { path } = parseHash();
  const next = path === '/signin' ? parseHash().params.get('next') : location.hash;
  const p = new URLSearchParams();
  if (reason) p.set('reason', reason);
  if (next) p.set('next', next);
  go(`#/signin?${p}`);
}

api.configure('', endSession);

// ---------- chrome ----------

function showBanner(message, kind = 'error') {
  banner.replaceChildren(
    h('span', {}, message),
    h('button', { type: 'button', class: 'link', onclick: hideBanner }, t('dismiss')),
  );
  banner.className = `banner ${kind}`;
  banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  banner.hidden = false;
}

function hideBanner() { banner.hidden = true; }

// NAV's electronicInvoiceHash: with completenessIndicator true it is what proves the archived
// copy is the invoice, so say whether it checked out.
function electronicHash(eh) {
  if (!eh) return null;
  const state = eh.verified === true ? t('detail.eHashOk') : eh.verified === false ? t('detail.eHashBad') : t('detail.eHashUnchecked');
  return h('p', { class: eh.verified === false ? 'doc-meta warn' : 'doc-meta' }, `${t('detail.eHash')} (${eh.crypto_type}): `,
    h('code', {}, eh.value), ` · ${state}`);
}

/** A problem's text in the UI's language from its stable `code`; null for a code it does not know. */
function problemText(problem) {
  const code = problem?.code;
  if (!code || !fmt.has(`problem.${code}`)) return null;
  const param = problem.parameter;
  const field = param ? (fmt.has(`f.${param}`) ? t(`f.${param}`) : param) : '';
  return t(`problem.${code}`, { field, allowed: (problem.allowed ?? []).join(', '), detail: problem.detail ?? '' });
}

function errorMessage(e) {
  if (e instanceof api.ApiError) {
    if (e.status === 0) return t('error.network');
    return problemText(e.problem) ?? t('error.generic', { detail: e.message });
  }
  return t('error.generic', { detail: e.message || String(e) });
}

function report(e) {
  if (e instanceof api.SessionEnded) return;
  console.error(e);
  showBanner(errorMessage(e));
}

function translateStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll('[data-lang-toggle]')) {
    b.textContent = t('lang.switch');
    b.setAttribute('aria-label', t('lang.switchLabel'));
    b.lang = fmt.getLang() === 'hu' ? 'en' : 'hu';
  }
  const skip = document.querySelector('[data-skip]');
  if (skip) skip.textContent = t('skip');
}

function taxpayers() {
  // /v1/me is the authority; the operator may read every taxpayer, so the ones the token's
  // claims name (custom:taxpayers, taxpayer-* groups) and one typed in are offered too.
  const set = new Set((state.me?.taxpayers ?? []).map((r) => r.taxpayer));
  if (state.me?.operator) {
    for (const id of session.claimedTaxpayers(session.claims(session.token() ?? '') ?? {})) set.add(id);
    const extra = localStorage.getItem('navsync.extraTaxpayer');
    if (extra) set.add(extra);
  }
  return [...set].sort();
}

/** Whether the caller may start `tp`'s sync: its admin, or the operator (as the API decides). */
function maySync(tp) {
  return Boolean(state.me?.operator || state.me?.taxpayers?.some((r) => r.taxpayer === tp && r.role === 'admin'));
}

function currentTaxpayer() {
  const list = taxpayers();
  const fromHash = parseHash().params.get('tp');
  if (fromHash && (list.includes(fromHash) || state.me?.operator)) return fromHash;
  const saved = localStorage.getItem('navsync.taxpayer');
  if (saved && list.includes(saved)) return saved;
  return list[0] ?? null;
}

function renderChrome(signedIn) {
  document.getElementById('topbar').hidden = !signedIn;
  document.getElementById('signin-lang').hidden = signedIn;
  if (!signedIn) return;
  const { path } = parseHash();
  for (const a of document.querySelectorAll('[data-nav]')) {
    const active = path.startsWith(`/${a.dataset.nav === 'invoices' ? 'invoice' : a.dataset.nav}`);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const sel = document.getElementById('taxpayer');
  const tp = currentTaxpayer();
  sel.replaceChildren(...taxpayers().map((id) => h('option', { value: id, selected: id === tp }, id)));
  if (state.me?.operator) sel.append(h('option', { value: '__other' }, t('other')));
  sel.closest('label').hidden = taxpayers().length <= 1 && !state.me?.operator;
  document.getElementById('who').textContent = state.me ? `${state.me.subject}${state.me.operator ? ` (${t('operator')})` : ''}` : '';
}

document.getElementById('taxpayer').addEventListener('change', (ev) => {
  let id = ev.target.value;
  if (id === '__other') {
    id = (prompt(t('other.prompt')) || '').trim();
    if (!/^\d{8}$/.test(id)) { renderChrome(true); return; }
    localStorage.setItem('navsync.extraTaxpayer', id);
  }
  localStorage.setItem('navsync.taxpayer', id);
  const { path, params } = parseHash();
  if (path === '/sync') { render(); return; }
  go(listHash({ tp: id, direction: params.get('direction') || 'OUTBOUND' }));
});

document.getElementById('signout').addEventListener('click', () => {
  session.signOutEverywhere();
  state.me = null;
  state.cursorStacks.clear();
  go('#/signin?reason=signedout');
});

for (const b of document.querySelectorAll('[data-lang-toggle]')) {
  b.addEventListener('click', () => {
    fmt.setLang(fmt.getLang() === 'hu' ? 'en' : 'hu');
    render({ keepFocus: '[data-lang-toggle]' });
  });
}

// ---------- sign in ----------

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function renderSignIn(params) {
  const next = params.get('next') || '#/invoices';
  const reason = params.get('reason');
  const { config } = state;
  const hasCognito = Boolean(config.userPoolClientId && (config.region || config.cognitoEndpoint));
  const hasTokens = config.localTokens !== 'false' && config.localTokens !== false;
  const note = h('p', { class: 'note', role: 'status', id: 'signin-note' },
    reason === 'expired' ? t('signin.expired') : reason === 'signedout' ? t('signin.signedOut') : '');
  const error = h('p', { class: 'form-error', role: 'alert', id: 'signin-error' });
  const fail = (msg) => { error.textContent = msg; };

  async function accept(token) {
    if (session.expired(token)) { fail(t('signin.tokenExpired')); return; }
    try {
      const me = await (await api.request('/v1/me', { tokenOverride: token })).json();
      session.setToken(token);
      state.me = me;
      hideBanner();
      go(next.startsWith('#/') && !next.startsWith('#/signin') ? next : '#/invoices');
    } catch (e) {
      if (e instanceof api.ApiError && e.status === 401) fail(t('signin.badToken', { detail: e.message }));
      else fail(errorMessage(e));
    }
  }

  const sections = [];
  if (hasCognito) {
    const user = h('input', { name: 'username', autocomplete: 'username', required: true, id: 'username' });
    const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'password' });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
    const form = h('form', { class: 'card', id: 'cognito-form' },
      h('h2', {}, t('signin.cognito')), field(t('signin.username'), user), field(t('signin.password'), pass), submit);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      fail('');
      submit.disabled = true;
      submit.textContent = t('signin.working');
      try {
        const r = await session.cognitoSignIn(config, user.value.trim(), pass.value);
        if (r.token) await accept(r.token);
        else if (r.challenge === 'NEW_PASSWORD_REQUIRED') newPassword(form, user.value.trim(), r.session);
        else fail(t('signin.failed', { detail: r.challenge }));
      } catch (e) {
        fail(e.type === 'NotAuthorizedException' || e.type === 'UserNotFoundException'
          ? t('signin.wrongPassword') : t('signin.failed', { detail: e.message }));
      } finally {
        submit.disabled = false;
        submit.textContent = t('signin.submit');
      }
    });
    sections.push(form);
  }

  function newPassword(form, username, cognitoSession) {
    const pw = h('input', { type: 'password', autocomplete: 'new-password', required: true, id: 'new-password', 'aria-describedby': 'pw-rules' });
    const pw2 = h('input', { type: 'password', autocomplete: 'new-password', required: true, id: 'confirm-password' });
    const marks = session.PASSWORD_RULES.map(() => h('span', { class: 'sr-only' }, ` (${t('rule.unmet')})`));
    const rules = session.PASSWORD_RULES.map(([key], i) => h('li', { dataset: { rule: key } }, t(key), marks[i]));
    const check = () => session.PASSWORD_RULES.forEach(([, ok], i) => {
      const met = ok(pw.value);
      rules[i].classList.toggle('met', met);
      marks[i].textContent = ` (${t(met ? 'rule.met' : 'rule.unmet')})`;
    });
    pw.addEventListener('input', check);
    const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.setPassword'));
    const np = h('form', { class: 'card', id: 'new-password-form' },
      h('h2', {}, t('signin.newPassword')), h('p', {}, t('signin.newPasswordHelp')),
      field(t('signin.newPasswordLabel'), pw),
      h('div', { id: 'pw-rules', class: 'rules' }, h('span', {}, t('signin.rules')), h('ul', {}, rules)),
      field(t('signin.confirmLabel'), pw2), submit);
    np.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      fail('');
      if (!session.PASSWORD_RULES.every(([, ok]) => ok(pw.value))) { fail(t('signin.rulesUnmet')); return; }
      if (pw.value !== pw2.value) { fail(t('signin.mismatch')); return; }
      submit.disabled = true;
      try {
        const r = await session.cognitoNewPassword(config, username, cognitoSession, pw.value);
        if (r.token) await accept(r.token);
        else fail(t('signin.failed', { detail: r.challenge }));
      } catch (e) {
        fail(t('signin.failed', { detail: e.message }));
      } finally {
        submit.disabled = false;
      }
    });
    form.replaceWith(np);
    pw.focus();
  }

  if (hasTokens) {
    const ta = h('textarea', { name: 'token', id: 'token', rows: 4, required: true, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'token-help' });
    const form = h('form', { class: 'card', id: 'token-form' },
      h('h2', {}, t('signin.token')), h('p', { id: 'token-help', class: 'help' }, t('signin.tokenHelp')),
      field(t('signin.tokenLabel'), ta), h('button', { type: 'submit', class: hasCognito ? '' : 'primary' }, t('signin.tokenSubmit')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      fail('');
      const token = ta.value.trim().replace(/^Bearer\s+/i, '');
      if (token.split('.').length !== 3) { fail(t('signin.notJwt')); return; }
      await accept(token);
    });
    sections.push(form);
  }
  if (!sections.length) sections.push(h('p', {}, t('signin.noMethod')));
  setTitle('title.signin');
  main.replaceChildren(h('section', { class: 'signin' }, h('h1', { tabindex: '-1' }, t('signin.title')), note, error, sections));
}

// ---------- invoice list ----------

const FILTERS = [
  ['issued_from', 'date'], ['issued_to', 'date'], ['partner_name', 'text'], ['partner_tax_number', 'text'],
  ['invoice_number_prefix', 'text'], ['min_gross_huf', 'number'], ['max_gross_huf', 'number'], ['currency', 'text'],
];
const CHOICES = {
  category: ['NORMAL', 'SIMPLIFIED', 'AGGREGATE'],
  payment_method: ['TRANSFER', 'CASH', 'CARD', 'VOUCHER', 'OTHER'],
  operation: ['CREATE', 'MODIFY', 'STORNO'],
};
const CHOICE_PREFIX = { category: 'cat', payment_method: 'pm', operation: 'op' };
const QUERY_KEYS = ['direction', ...FILTERS.map(([k]) => k), ...Object.keys(CHOICES), 'sort'];
const ROW_LIMITS = ['25', '50', '100'];

function invoiceRoute(href) {
  return `#/invoice/${href.replace(/^.*?\/v1\/taxpayers\//, '')}`;
}

function skeletonRows(n, cols) {
  return Array.from({ length: n }, () => h('tr', { class: 'skeleton', 'aria-hidden': 'true' },
    Array.from({ length: cols }, () => h('td', {}, h('span', { class: 'bar' })))));
}

function renderList(params) {
  const tp = currentTaxpayer();
  if (!tp) { main.replaceChildren(h('p', { class: 'empty' }, t('sync.none'))); return; }
  localStorage.setItem('navsync.taxpayer', tp);
  state.lastList = location.hash || '#/invoices';
  setTitle('title.invoices', { tp });
  const direction = params.get('direction') === 'INBOUND' ? 'INBOUND' : 'OUTBOUND';
  const sort = params.get('sort') === 'oldest_first' ? 'oldest_first' : 'newest_first';
  const limit = ROW_LIMITS.includes(params.get('limit')) ? params.get('limit') : '50';
  const cursor = params.get('cursor') || '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const query = { direction, sort };
  for (const k of QUERY_KEYS) if (params.get(k) && !query[k]) query[k] = params.get(k);
  const base = { tp, ...query, limit: limit === '50' ? '' : limit };
  const stackKey = JSON.stringify({ tp, ...query, limit });
  const stack = state.cursorStacks.get(stackKey) ?? [];
  state.cursorStacks.set(stackKey, stack);
  // After a reload the stack is gone; keep it consistent with the page number shown.
  if (stack.length !== page - 1) stack.length = Math.min(stack.length, page - 1);

  const dirTabs = h('div', { class: 'segmented', role: 'group', 'aria-label': t('direction') },
    ['OUTBOUND', 'INBOUND'].map((d) => h('a', {
      href: listHash({ ...base, direction: d }), class: d === direction ? 'on' : '', 'aria-current': d === direction ? 'true' : null,
    }, t(`dir.${d}`))));

  const inputs = FILTERS.map(([k, type]) => field(t(`f.${k}`), h('input', {
    name: k, id: `f-${k}`, type, value: params.get(k) ?? '', step: type === 'number' ? 'any' : null,
    inputmode: k === 'partner_tax_number' ? 'numeric' : null, maxlength: k === 'currency' ? 3 : null,
  })));
  const selects = Object.entries(CHOICES).map(([k, values]) => field(t(`f.${k}`), h('select', { name: k, id: `f-${k}` },
    h('option', { value: '' }, t('any')),
    values.map((v) => h('option', { value: v, selected: params.get(k) === v }, t(`${CHOICE_PREFIX[k]}.${v}`))))));
  const limitSel = field(t('f.limit'), h('select', { name: 'limit', id: 'f-limit' },
    ROW_LIMITS.map((n) => h('option', { value: n, selected: n === limit }, n))));
  const form = h('form', { class: 'filters', id: 'filters' },
    h('div', { class: 'grid' }, inputs, selects, limitSel),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'apply' }, t('f.apply')),
      h('a', { class: 'button', href: listHash({ tp, direction }) }, t('f.reset'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (data.currency) data.currency = data.currency.toUpperCase();
    if (data.limit === '50') data.limit = '';
    go(listHash({ tp, direction, sort, ...data }));
  });
  const activeFilters = QUERY_KEYS.filter((k) => !['direction', 'sort'].includes(k) && params.get(k)).length;
  const filterBox = h('details', { class: 'filter-box', open: activeFilters > 0 || window.innerWidth > 720 },
    h('summary', {}, t('filters.title'), activeFilters ? ` (${activeFilters})` : ''), form);

  const nextOrder = sort === 'newest_first' ? 'oldest_first' : 'newest_first';
  const sortBtn = h('a', {
    class: 'sort', href: listHash({ ...base, sort: nextOrder }), id: 'sort-date',
    'aria-label': t('list.sortBy', { order: t(sort === 'newest_first' ? 'list.sortNewest' : 'list.sortOldest') }),
  }, t('list.date'), h('span', { 'aria-hidden': 'true', class: 'arrow' }, sort === 'newest_first' ? ' ▼' : ' ▲'));
  const cols = 6;
  const tbody = h('tbody', {}, skeletonRows(Number(limit), cols));
  const table = h('table', { class: 'invoices', id: 'invoice-table', 'aria-busy': 'true' },
    h('caption', { class: 'sr-only' }, `${t('nav.invoices')} — ${t(`dir.${direction}`)}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('list.number')),
      h('th', { scope: 'col', 'aria-sort': sort === 'newest_first' ? 'descending' : 'ascending' }, sortBtn),
      h('th', { scope: 'col' }, t('list.partner')),
      h('th', { scope: 'col', class: 'col-op' }, t('list.operation')),
      h('th', { scope: 'col', class: 'num col-cur' }, t('list.gross')),
      h('th', { scope: 'col', class: 'num' }, t('list.grossHuf')))),
    tbody);
  const summary = h('p', { class: 'summary', id: 'list-summary', 'aria-live': 'polite' }, t('loading'));
  const prev = h('a', { class: 'button', id: 'prev-page', 'aria-disabled': 'true', role: 'link' }, t('list.prev'));
  const next = h('a', { class: 'button', id: 'next-page', 'aria-disabled': 'true', role: 'link' }, t('list.next'));
  const pager = h('nav', { class: 'pager', 'aria-label': t('list.pages') }, prev, h('span', { class: 'page' }, t('list.countUnknown', { page })), next);

  // People open the export in a spreadsheet, so only the guarded dialect is offered: excel_hu
  // prefixes text that Excel would run as a formula (a supplier named =HYPERLINK(…)) with '.
  // rfc4180 is verbatim, for programs calling the API.
  const exportBtn = h('button', { type: 'button', id: 'export-csv' }, t('export.csv'));
  exportBtn.addEventListener('click', async () => {
    if (exportBtn.getAttribute('aria-disabled') === 'true') return;
    exportBtn.setAttribute('aria-disabled', 'true');
    exportBtn.textContent = t('export.working');
    try {
      const name = await api.download(`/v1/taxpayers/${tp}/invoices.csv`, { ...query, dialect: 'excel_hu' },
        `navsync-${tp}-${direction.toLowerCase()}-invoices.csv`, 'text/csv');
      showBanner(t('export.done', { name }), 'ok');
    } catch (e) {
      report(e);
    } finally {
      exportBtn.removeAttribute('aria-disabled');
      exportBtn.textContent = t('export.csv');
    }
  });

  main.replaceChildren(h('section', { class: 'list' },
    h('div', { class: 'list-head' }, h('h1', { tabindex: '-1' }, t('nav.invoices'), h('span', { class: 'tp' }, ` ${tp}`)), dirTabs),
    filterBox,
    h('div', { class: 'toolbar' }, summary, h('div', { class: 'export' }, exportBtn)),
    scrollRegion(t('nav.invoices'), table),
    pager));

  const listParams = { ...query, limit };
  if (cursor) listParams.cursor = cursor;
  api.json(`/v1/taxpayers/${tp}/invoices`, { params: listParams }).then((res) => {
    if (!main.contains(table)) return; // the user moved on
    const items = res.items;
    tbody.replaceChildren(...(items.length ? items.map((inv) => {
      const link = h('a', { href: invoiceRoute(inv.href), class: 'inv-link' }, inv.invoice_number);
      const tr = h('tr', { class: 'row' },
        h('th', { scope: 'row' }, link),
        h('td', {}, fmt.date(inv.issue_date)),
        h('td', { class: 'partner', title: inv.partner_name ?? '' }, inv.partner_name ?? '', inv.partner_tax_number ? h('span', { class: 'sub' }, ` ${inv.partner_tax_number}`) : ''),
        h('td', { class: 'col-op' }, h('span', { class: `badge op-${inv.operation}` }, t(`op.${inv.operation}`))),
        h('td', { class: 'num col-cur' }, fmt.money(inv.totals.gross, inv.currency)),
        h('td', { class: 'num' }, fmt.huf(inv.totals.gross_huf)));
      tr.addEventListener('click', (ev) => { if (ev.target.closest('a') == null) go(link.getAttribute('href')); });
      return tr;
    }) : [h('tr', {}, h('td', { colspan: cols, class: 'empty' }, t('list.empty')))]));
    table.setAttribute('aria-busy', 'false');
    const from = (page - 1) * Number(limit) + 1;
    const range = items.length ? t('list.range', { from: fmt.integer(from), to: fmt.integer(from + items.length - 1) }) : '';
    summary.textContent = [res.total != null ? t('list.count', { n: fmt.integer(res.total) }) : '', range].filter(Boolean).join(' · ');
    if (page > 1) {
      // Without the stack (after a reload) "Previous" goes back to the first page.
      const prevCursor = page > 2 ? (stack[page - 2] ?? '') : '';
      prev.href = listHash({ ...base, cursor: prevCursor, page: prevCursor ? page - 1 : '' });
      prev.removeAttribute('aria-disabled');
      prev.addEventListener('click', () => { stack.pop(); });
    }
    if (res.next_cursor) {
      next.href = listHash({ ...base, cursor: res.next_cursor, page: page + 1 });
      next.removeAttribute('aria-disabled');
      next.addEventListener('click', () => { stack.push(cursor); });
    }
    listFocus(tbody);
  }).catch((e) => {
    table.setAttribute('aria-busy', 'false');
    summary.textContent = '';
    // A filter the API refused: the error once, at that field; anything else in the banner.
    const input = e instanceof api.ApiError && e.problem?.parameter && form.querySelector(`#f-${CSS.escape(e.problem.parameter)}`);
    if (input) {
      const msg = h('span', { class: 'field-error', id: `err-${input.id}`, role: 'alert' }, errorMessage(e));
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', msg.id);
      input.closest('.field').append(msg);
      filterBox.open = true;
      tbody.replaceChildren(h('tr', {}, h('td', { colspan: cols, class: 'empty' }, t('list.fixFilter'))));
    } else {
      tbody.replaceChildren(h('tr', {}, h('td', { colspan: cols, class: 'empty' }, t('list.failed'))));
      report(e);
    }
    listFocus(tbody);
  });
}

/**
 * Focus once the rows are in: the pager link that was used (inert until the page loaded; on the
 * last page the other one), else the row of the invoice the user came back from.
 */
function listFocus(tbody) {
  const want = state.focusAfterList;
  state.focusAfterList = null;
  if (!want) return;
  if (want.pager) {
    const other = want.pager === '#next-page' ? '#prev-page' : '#next-page';
    if (placeFocus(document.querySelector(want.pager)) || placeFocus(document.querySelector(other))) return;
  }
  if (want.invoice) {
    const link = [...tbody.querySelectorAll('a.inv-link')].find((a) => a.getAttribute('href') === want.invoice);
    if (placeFocus(link)) return;
  }
  if (document.activeElement === document.body || document.activeElement === main) placeFocus(main.querySelector('h1'));
}

// ---------- invoice detail ----------

function vatRate(r) {
  if (!r) return '';
  switch (r.kind) {
    case 'percentage': return fmt.percent(r.rate);
    case 'content': return t('vat.content', { content: fmt.percent(r.content) });
    case 'exempt': case 'out_of_scope': return t(`vat.${r.kind}`, { case: r.case ?? '' });
    case 'amount_mismatch': return `${fmt.percent(r.rate)} (${r.case ?? ''})`;
    default: return t(`vat.${r.kind}`);
  }
}

function partyName(p) {
  return p.name ?? (p.vat_status === 'PRIVATE_PERSON' ? t('party.private') : '—');
}

function party(title, p) {
  const a = p.address;
  return h('section', { class: 'card party' }, h('h2', {}, title),
    h('p', { class: 'party-name' }, partyName(p)),
    facts([
      [t('detail.taxNumber'), p.tax_number], [t('detail.euVat'), p.community_vat_number ?? p.third_state_tax_id],
      [t('detail.address'), a ? `${a.postal_code} ${a.city}, ${a.street} (${a.country_code})` : null],
      [t('detail.bank'), p.bank_account], [t('detail.vatStatus'), fmt.code('vs', p.vat_status)],
    ]));
}

function totalsTable(inv) {
  const tot = inv.totals;
  const rows = [['detail.net', 'net'], ['detail.vat', 'vat'], ['detail.gross', 'gross']];
  const foreign = inv.currency !== 'HUF';
  return scrollRegion(t('detail.totals'), h('table', { class: 'totals', id: 'totals' },
    h('thead', {}, h('tr', {}, h('td', {}), foreign ? h('th', { scope: 'col', class: 'num' }, t('detail.inCurrency', { currency: inv.currency })) : null,
      h('th', { scope: 'col', class: 'num' }, t('detail.inHuf')))),
    h('tbody', {}, rows.map(([label, k]) => h('tr', { class: k === 'gross' ? 'grand' : '' }, h('th', { scope: 'row' }, t(label)),
      foreign ? h('td', { class: 'num' }, fmt.money(tot[k], inv.currency)) : null, h('td', { class: 'num' }, fmt.huf(tot[`${k}_huf`])))))));
}

function chainSection(inv, selfHref) {
  const c = inv.chain;
  const member = (m, label) => {
    const isSelf = m.href === selfHref;
    return h('li', { class: isSelf ? 'self' : '' },
      isSelf ? h('strong', {}, m.invoice_number) : h('a', { href: invoiceRoute(m.href) }, m.invoice_number),
      ` — ${label} · ${fmt.date(m.issue_date)} · `, h('span', { class: 'num' }, fmt.money(m.totals.gross, inv.currency)),
      isSelf ? ` ${t('detail.thisOne')}` : '');
  };
  return h('section', { class: 'card chain', id: 'chain' }, h('h2', {}, t('detail.chain')),
    facts([[t('detail.chainState'), t(`state.${c.state}`)], [t('detail.effective'), fmt.money(c.effective_totals.gross, inv.currency)]]),
    h('ol', { class: 'chain-list' },
      c.original ? member(c.original, t('detail.original')) : h('li', { class: 'missing' }, `${c.root} — ${t('detail.originalMissing')}`),
      c.modifications.map((m) => member(m, `${t(`op.${m.operation}`)} · ${t('detail.modification', { n: m.modification_index })}`))),
    c.missing_indexes.length ? h('p', { class: 'warn' }, t('detail.missing', {
      list: c.missing_indexes.join(', ') + (c.missing_count > c.missing_indexes.length ? ` … (${fmt.integer(c.missing_count)})` : ''),
    })) : null);
}

function renderDetail(path, params) {
  const rest = path.slice('/invoice/'.length);
  const batch = params.get('batch');
  const apiPath = `/v1/taxpayers/${rest}`;
  if (params.get('view') === 'print') { renderPrint(path, params, apiPath); return; }
  state.lastInvoice = `#${path}`;
  setTitle('title.invoice', { number: decodeURIComponent(rest.split('/').pop() ?? '') });
  const back = h('a', { href: state.lastList, class: 'back' }, `← ${t('detail.back')}`);
  const body = h('div', { class: 'detail-body', 'aria-busy': 'true' },
    h('div', { class: 'skeleton-block tall' }), h('div', { class: 'skeleton-block' }), h('div', { class: 'skeleton-block' }));
  main.replaceChildren(h('section', { class: 'detail' }, back, body));
  api.json(apiPath, { params: batch ? { batch } : undefined }).then((inv) => {
    if (!main.contains(body)) return;
    const selfHref = inv.href;
    const download = h('button', { type: 'button', class: 'primary', id: 'download-xml' }, t('detail.download'));
    download.addEventListener('click', async () => {
      // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
      if (download.getAttribute('aria-disabled') === 'true') return;
      download.setAttribute('aria-disabled', 'true');
      try {
        const name = await api.download(inv.document.href, { delivery: 'bytes' }, `${inv.invoice_number}.xml`, 'application/xml');
        showBanner(t('detail.downloaded', { name }), 'ok');
      } catch (e) {
        report(e);
      } finally {
        download.removeAttribute('aria-disabled');
      }
    });
    const mod = inv.modification;
    const printParams = new URLSearchParams(params);
    printParams.set('view', 'print');
    const printLink = h('a', { class: 'button', id: 'print-view', href: `#${path}?${printParams}` }, t('print.open'));
    fill(body,
      h('div', { class: 'detail-head' },
        h('h1', { tabindex: '-1' }, inv.invoice_number, ' ', h('span', { class: `badge op-${inv.operation}` }, t(`op.${inv.operation}`))),
        h('div', { class: 'detail-actions' }, printLink, download)),
      mod ? h('p', { class: 'modifies' }, t('detail.modifies', { number: mod.original_invoice_number, n: mod.modification_index }),
        mod.modify_without_master ? ` ${t('detail.withoutMaster')}` : '') : null,
      inv.warnings.length ? h('section', { class: 'warn invoice-warnings', role: 'note' },
        h('h2', {}, t('detail.warnings')), h('p', {}, t('detail.warningsWhy')),
        h('ul', {}, inv.warnings.map((w) => h('li', {}, w)))) : null,
      h('div', { class: 'parties' }, party(t('detail.supplier'), inv.supplier), party(t('detail.customer'), inv.customer)),
      h('div', { class: 'two' },
        h('section', { class: 'card' }, h('h2', {}, t('detail.dates')), facts([
          [t('detail.issue'), fmt.date(inv.issue_date)], [t('detail.delivery'), fmt.date(inv.delivery_date)],
          [t('detail.period'), inv.delivery_period ? `${fmt.date(inv.delivery_period.from)} – ${fmt.date(inv.delivery_period.to)}` : null],
          [t('detail.payment'), fmt.date(inv.payment_date)], [t('detail.paymentMethod'), inv.payment_method ? t(`pm.${inv.payment_method}`) : null],
          [t('detail.category'), t(`cat.${inv.category}`)], [t('detail.currency'), inv.currency],
          [t('detail.rate'), inv.currency !== 'HUF' ? fmt.decimal(inv.exchange_rate) : null],
          [t('detail.received'), fmt.dateTime(inv.ins_date)], [t('detail.schema'), inv.schema_version],
        ])),
        h('section', { class: 'card' }, h('h2', {}, t('detail.totals')), totalsTable(inv))),
      h('section', { class: 'card' }, h('h2', {}, t('detail.lines')), inv.lines.length ? scrollRegion(t('detail.lines'), h('table', { class: 'lines', id: 'lines' },
        h('thead', {}, h('tr', {}, ['line.no', 'line.description', 'line.quantity', 'line.unitPrice', 'detail.net', 'line.vatRate', 'detail.vat', 'detail.gross']
          .map((k, i) => h('th', { scope: 'col', class: i >= 2 && k !== 'line.vatRate' ? 'num' : '' }, t(k))))),
        h('tbody', {}, inv.lines.map((l) => h('tr', {},
          h('td', {}, l.number), h('td', {}, l.description ?? ''),
          h('td', { class: 'num' }, l.quantity != null ? `${fmt.decimal(l.quantity)} ${fmt.code('unit', l.unit)}` : ''),
          h('td', { class: 'num' }, fmt.money(l.unit_price, inv.currency)),
          h('td', { class: 'num' }, fmt.money(l.net, inv.currency)), h('td', {}, vatRate(l.vat_rate)),
          h('td', { class: 'num' }, fmt.money(l.vat, inv.currency)), h('td', { class: 'num' }, fmt.money(l.gross, inv.currency))))))) : h('p', {}, t('line.none'))),
      h('section', { class: 'card' }, h('h2', {}, t('detail.vatSummary')), scrollRegion(t('detail.vatSummary'), h('table', { class: 'vat', id: 'vat-summary' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('line.vatRate')), h('th', { scope: 'col', class: 'num' }, t('detail.net')),
          h('th', { scope: 'col', class: 'num' }, t('detail.vat')), h('th', { scope: 'col', class: 'num' }, `${t('detail.net')} (HUF)`),
          h('th', { scope: 'col', class: 'num' }, `${t('detail.vat')} (HUF)`))),
        h('tbody', {}, inv.vat_summary.map((v) => h('tr', {}, h('td', {}, vatRate(v.vat_rate)),
          h('td', { class: 'num' }, fmt.money(v.net, inv.currency)), h('td', { class: 'num' }, fmt.money(v.vat, inv.currency)),
          h('td', { class: 'num' }, fmt.huf(v.net_huf)), h('td', { class: 'num' }, fmt.huf(v.vat_huf)))))))),
      chainSection(inv, selfHref),
      h('p', { class: 'doc-meta' }, `${t('detail.sha')}: `, h('code', {}, inv.document.sha256), ` · ${t('detail.size')}: ${fmt.bytes(inv.document.size)}`),
      electronicHash(inv.electronic_invoice_hash));
    body.setAttribute('aria-busy', 'false');
    setTitle('title.invoice', { number: inv.invoice_number });
    if (document.activeElement === document.body || document.activeElement === main) placeFocus(body.querySelector('h1'));
  }).catch((e) => {
    body.setAttribute('aria-busy', 'false');
    if (e instanceof api.SessionEnded) return;
    // Once, where the invoice would be: no banner copy.
    console.error(e);
    body.replaceChildren(h('p', { class: 'empty', role: 'alert' }, errorMessage(e)));
  });
}

// ---------- printable invoice ----------

function addressLine(a) {
  return a ? `${a.country_code}-${a.postal_code} ${a.city}, ${a.street}` : null;
}

function printParty(title, p) {
  return h('section', { class: 'print-party' }, h('h2', {}, title),
    h('p', { class: 'party-name' }, partyName(p)),
    facts([
      [t('detail.taxNumber'), p.tax_number], [t('print.groupMember'), p.group_member_tax_number],
      [t('detail.euVat'), p.community_vat_number ?? p.third_state_tax_id],
      [t('detail.address'), addressLine(p.address)], [t('detail.bank'), p.bank_account],
      [t('detail.vatStatus'), fmt.code('vs', p.vat_status)],
    ]));
}

/**
 * One invoice as a document to print or save as PDF, laid out like NAV's own rendering
 * (nav-gov-hu/Online-Invoice-XSLT): title and number, supplier and customer with tax numbers
 * and addresses, dates, lines, VAT summary by rate, totals. Built from the stored model the
 * detail API returns; @media print (style.css) leaves only this on paper.
 */
function renderPrint(path, params, apiPath) {
  const batch = params.get('batch');
  const back = new URLSearchParams(params);
  back.delete('view');
  const qs = back.toString();
  setTitle('title.print', { number: decodeURIComponent(path.split('/').pop() ?? '') });
  const doc = h('article', { class: 'print-doc', 'aria-busy': 'true' }, h('div', { class: 'skeleton-block tall' }));
  const printBtn = h('button', { type: 'button', class: 'primary', id: 'print-now', onclick: () => window.print() }, t('print.print'));
  main.replaceChildren(h('section', { class: 'print' },
    h('div', { class: 'print-actions' }, h('a', { href: `#${path}${qs ? `?${qs}` : ''}`, class: 'back' }, `← ${t('print.back')}`), printBtn),
    doc));
  api.json(apiPath, { params: batch ? { batch } : undefined }).then((inv) => {
    if (!main.contains(doc)) return;
    const cur = inv.currency;
    const foreign = cur !== 'HUF';
    const title = t(`print.title.${inv.operation}`);
    const mod = inv.modification;
    fill(doc,
      h('header', { class: 'print-title' },
        h('h1', { tabindex: '-1' }, title),
        h('p', { class: 'print-number' }, `${t('print.number')}: `, h('strong', {}, inv.invoice_number)),
        mod ? h('p', {}, t('detail.modifies', { number: mod.original_invoice_number, n: mod.modification_index })) : null),
      h('div', { class: 'print-parties' }, printParty(t('detail.supplier'), inv.supplier), printParty(t('detail.customer'), inv.customer)),
      h('section', { class: 'print-dates' }, facts([
        [t('detail.issue'), fmt.date(inv.issue_date)], [t('detail.delivery'), fmt.date(inv.delivery_date)],
        [t('detail.period'), inv.delivery_period ? `${fmt.date(inv.delivery_period.from)} – ${fmt.date(inv.delivery_period.to)}` : null],
        [t('detail.payment'), fmt.date(inv.payment_date)], [t('detail.paymentMethod'), inv.payment_method ? t(`pm.${inv.payment_method}`) : null],
        [t('detail.category'), t(`cat.${inv.category}`)], [t('detail.currency'), cur],
        [t('detail.rate'), foreign ? fmt.decimal(inv.exchange_rate) : null],
      ])),
      h('h2', {}, t('detail.lines')),
      inv.lines.length ? h('table', { class: 'print-lines', id: 'print-lines' },
        h('thead', {}, h('tr', {}, ['line.no', 'line.description', 'line.quantity', 'line.unitPrice', 'detail.net', 'line.vatRate', 'detail.vat', 'detail.gross']
          .map((k, i) => h('th', { scope: 'col', class: i >= 2 && k !== 'line.vatRate' ? 'num' : '' }, t(k))))),
        h('tbody', {}, inv.lines.map((l) => h('tr', {},
          h('td', {}, l.number), h('td', {}, l.description ?? ''),
          h('td', { class: 'num' }, l.quantity != null ? `${fmt.decimal(l.quantity)} ${fmt.code('unit', l.unit)}` : ''),
          h('td', { class: 'num' }, fmt.money(l.unit_price, cur)), h('td', { class: 'num' }, fmt.money(l.net, cur)),
          h('td', {}, vatRate(l.vat_rate)), h('td', { class: 'num' }, fmt.money(l.vat, cur)), h('td', { class: 'num' }, fmt.money(l.gross, cur)))))) : h('p', {}, t('line.none')),
      h('h2', {}, t('detail.vatSummary')),
      h('table', { class: 'print-vat', id: 'print-vat' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('line.vatRate')), h('th', { scope: 'col', class: 'num' }, t('detail.net')),
          h('th', { scope: 'col', class: 'num' }, t('detail.vat')),
          foreign ? h('th', { scope: 'col', class: 'num' }, `${t('detail.net')} (HUF)`) : null,
          foreign ? h('th', { scope: 'col', class: 'num' }, `${t('detail.vat')} (HUF)`) : null)),
        h('tbody', {}, inv.vat_summary.map((v) => h('tr', {}, h('td', {}, vatRate(v.vat_rate)),
          h('td', { class: 'num' }, fmt.money(v.net, cur)), h('td', { class: 'num' }, fmt.money(v.vat, cur)),
          foreign ? h('td', { class: 'num' }, fmt.huf(v.net_huf)) : null, foreign ? h('td', { class: 'num' }, fmt.huf(v.vat_huf)) : null)))),
      h('section', { class: 'print-totals', id: 'print-totals' }, h('h2', {}, t('detail.totals')), totalsTable(inv)),
      h('footer', { class: 'print-foot' },
        h('p', {}, t('print.source', { received: fmt.dateTime(inv.ins_date) })),
        h('p', {}, `${t('detail.sha')}: `, h('code', {}, inv.document.sha256))));
    doc.setAttribute('aria-busy', 'false');
    setTitle('title.print', { number: inv.invoice_number });
    if (document.activeElement === document.body || document.activeElement === main) placeFocus(doc.querySelector('h1'));
  }).catch((e) => {
    doc.setAttribute('aria-busy', 'false');
    if (e instanceof api.SessionEnded) return;
    console.error(e);
    doc.replaceChildren(h('p', { class: 'empty', role: 'alert' }, errorMessage(e)));
  });
}

// ---------- sync status ----------

function runFacts(run) {
  if (!run) return h('p', {}, '—');
  return facts([
    [t('sync.finished'), fmt.dateTime(run.finished_at)],
    [t('sync.error'), run.error ?? (run.stopped_at_deadline ? t('sync.deadline') : t('sync.ok'))],
    [t('sync.new'), fmt.integer(run.new)], [t('sync.already'), fmt.integer(run.already_stored)],
    [t('sync.listed'), fmt.integer(run.listed)], [t('sync.mods'), fmt.integer(run.modifications)],
    [t('sync.unavailable'), fmt.integer(run.unavailable)], [t('sync.recovered'), fmt.integer(run.recovered)],
    [t('sync.late'), fmt.integer(run.late)], [t('sync.duration'), fmt.duration(run.duration_ms)],
  ]);
}

// Invoices NAV listed that could not be fetched or read: which, why, and when navsync tries again.
function pendingList(d) {
  if (!d.pending.length) return h('p', { class: 'pending-none' }, t('sync.pendingNone'));
  return scrollRegion(t('sync.pending'), h('table', { class: 'pending' },
    h('caption', {}, t('sync.pendingCaption', { count: fmt.integer(d.pending.length) + (d.pending_truncated ? '+' : '') })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('list.number')), h('th', { scope: 'col' }, t('detail.supplier')),
      h('th', { scope: 'col' }, t('sync.reason')), h('th', { scope: 'col', class: 'num' }, t('sync.attempts')),
      h('th', { scope: 'col' }, t('sync.nextAttempt')))),
    h('tbody', {}, d.pending.map((p) => h('tr', { dataset: { invoice: p.invoice_number } },
      h('td', {}, p.invoice_number), h('td', {}, `${p.supplier_name} (${p.supplier_tax_number})`),
      h('td', { class: 'reason' }, p.reason), h('td', { class: 'num' }, fmt.integer(p.attempts)),
      h('td', {}, fmt.dateTime(p.next_attempt_at)))))));
}

function syncCard(tp) {
  const card = h('section', { class: 'card sync-card', 'aria-busy': 'true', dataset: { taxpayer: tp } },
    h('h2', {}, `${t('taxpayer')} ${tp}`), h('div', { class: 'skeleton-block' }));
  const load = () => api.json(`/v1/taxpayers/${tp}/sync`).then((s) => {
    const dirs = h('div', { class: 'two' }, s.directions.map((d) => h('div', { class: 'sync-dir', dataset: { direction: d.direction } },
      h('h3', {}, t(`dir.${d.direction}`)),
      facts([[t('sync.watermark'), d.watermark ? fmt.dateTime(d.watermark) : t('sync.never')]]),
      h('h4', {}, t('sync.lastRun')), runFacts(d.last_run),
      h('h4', {}, t('sync.pending')), pendingList(d))));
    const result = h('p', { class: 'sync-result', role: 'status' });
    let button = null;
    if (maySync(tp)) {
      button = h('button', { type: 'button', class: 'primary sync-now' }, t('sync.now'));
      button.addEventListener('click', async () => {
        button.disabled = true;
        button.textContent = t('sync.running');
        result.textContent = '';
        try {
          const r = await api.json(`/v1/taxpayers/${tp}/sync`, { method: 'POST', body: {} });
          const msg = t('sync.started', { taxpayer: r.taxpayer, directions: r.directions.map((d) => t(`dir.${d}`)).join(', '), ref: r.reference ? ` · ${r.reference}` : '' });
          await load();
          card.querySelector('.sync-result').textContent = msg;
          card.querySelector('.sync-now')?.focus();
        } catch (e) {
          if (e instanceof api.SessionEnded) return;
          // 409/501: the server refused (running already, no credentials, no "sync now" here).
          result.textContent = e instanceof api.ApiError && e.status === 409
            ? t('sync.refused', { detail: e.message }) : errorMessage(e);
          result.classList.add('form-error');
          button.disabled = false;
          button.textContent = t('sync.now');
        }
      });
    }
    card.replaceChildren(h('div', { class: 'sync-head' }, h('h2', {}, `${t('taxpayer')} ${tp}`), button), result, dirs);
    card.setAttribute('aria-busy', 'false');
  }).catch((e) => {
    card.setAttribute('aria-busy', 'false');
    card.replaceChildren(h('h2', {}, `${t('taxpayer')} ${tp}`), h('p', { class: 'form-error' }, errorMessage(e)));
    if (e instanceof api.SessionEnded) return;
  });
  load();
  return card;
}

function renderSync() {
  const list = taxpayers();
  setTitle('title.sync');
  main.replaceChildren(h('section', { class: 'sync' }, h('h1', { tabindex: '-1' }, t('sync.title')),
    list.length ? list.map(syncCard) : h('p', {}, t('sync.none')),
    list.every(maySync) ? null : h('p', { class: 'help' }, t('sync.adminOnly'))));
}

// ---------- main ----------

let expiryTimer;
/** Ends the session when the token's exp passes, even with no request in flight. */
function watchExpiry() {
  clearTimeout(expiryTimer);
  const exp = session.claims(session.token() ?? '')?.exp;
  if (typeof exp !== 'number') return;
  const ms = Math.min(Math.max(exp * 1000 - Date.now(), 0), 2 ** 31 - 1);
  expiryTimer = setTimeout(() => {
    if (!session.token()) return;
    if (session.expired()) endSession('expired');
    else watchExpiry();
  }, ms);
}

async function loadMe() {
  if (state.me || !session.token()) return;
  state.me = await api.json('/v1/me');
}

let previousPath = null;
// Until the user presses a key or a pointer, focus stays where the browser put it: the first Tab
// of a fresh page still reaches the skip link, even after a redirect to sign-in.
for (const type of ['keydown', 'pointerdown']) {
  document.addEventListener(type, () => { state.interacted = true; }, { capture: true, once: true });
}

async function render({ keepFocus } = {}) {
  const active = document.activeElement;
  const focusSel = keepFocus ?? (active?.id && active !== main ? `#${CSS.escape(active.id)}` : null);
  state.focusAfterList = null;
  const { path, params } = parseHash();
  const cameFrom = previousPath;
  previousPath = path;
  translateStatic();
  setTitle('title.signin');
  if (path === '/signin') {
    renderChrome(false);
    renderSignIn(params);
  } else {
    if (!session.token() || session.expired()) {
      endSession(session.token() ? 'expired' : null);
      return;
    }
    try {
      await loadMe();
    } catch (e) {
      report(e);
      return;
    }
    renderChrome(true);
    watchExpiry();
    if (path === '/invoices' || path === '/' || path === '') {
      // Focus waits for the rows: the pager link used, or the row of the invoice Back came from.
      state.focusAfterList = {
        pager: ['#next-page', '#prev-page'].includes(focusSel) ? focusSel : null,
        invoice: cameFrom?.startsWith('/invoice/') ? state.lastInvoice : null,
      };
      renderList(params);
    } else if (path.startsWith('/invoice/')) renderDetail(path, params);
    else if (path === '/sync') renderSync();
    else {
      setTitle('title.notFound');
      main.replaceChildren(h('h1', { tabindex: '-1' }, t('error.notFound')));
    }
  }
  // Focus follows the user: the control they used if the new view has it, else the view's
  // heading (the invoice detail focuses its heading once loaded). The first load keeps the
  // browser's own start.
  if (!state.interacted && !keepFocus && document.activeElement === document.body) return;
  // The first visible match: the language toggle exists twice (sign-in and the top bar).
  const target = focusSel && [...document.querySelectorAll(focusSel)].find((el) => el.getClientRects().length > 0);
  if (target && placeFocus(target)) return;
  if (state.focusAfterList?.pager || state.focusAfterList?.invoice) { main.focus({ preventScroll: true }); return; }
  if (!placeFocus(main.querySelector('h1'))) main.focus({ preventScroll: true });
}

async function start() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) state.config = await res.json();
  } catch { /* no config: local token sign-in only */ }
  api.configure(state.config.apiUrl || '', endSession);
  // Another tab's session serves this one too (session.js explains the trade-off).
  await session.borrowToken();
  session.onSignedOutElsewhere(() => {
    state.me = null;
    state.cursorStacks.clear();
    go('#/signin?reason=signedout');
  });
  let routeHash = location.hash;
  window.addEventListener('hashchange', () => {
    // An in-page anchor (the skip link's #main without script) is not a route: focus its
    // target and put the route back.
    if (isAnchor(location.hash)) {
      const target = document.getElementById(location.hash.slice(1));
      history.replaceState(null, '', routeHash || location.pathname);
      if (target && !(target === main && placeFocus(main.querySelector('h1')))) placeFocus(target);
      return;
    }
    routeHash = location.hash;
    hideBanner();
    render();
  });
  document.querySelector('[data-skip]')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    if (!placeFocus(main.querySelector('h1'))) placeFocus(main);
  });
  await render();
  document.body.dataset.ready = 'true';
}

start();
