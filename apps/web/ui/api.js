// Calls to the navsync API with the bearer token; problem+json errors become ApiError, and a
// refused or expired session ends the session (the app then shows sign-in, keeping the route).
import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Thrown when the session ended mid-request; the app has already moved to sign-in. */
export class SessionEnded extends Error {}

let base = '';
let onSessionEnded = () => {};

export function configure(apiUrl, sessionEnded) {
  base = (apiUrl || '').replace(/\/+$/, '');
  onSessionEnded = sessionEnded;
}

export function url(path, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return `${base}${path}${qs ? (path.includes('?') ? '&' : '?') + qs : ''}`;
}

/** A raw authenticated fetch; `tokenOverride` checks a token before it becomes the session's. */
export async function request(path, { method = 'GET', params, body, accept = 'application/json', tokenOverride } = {}) {
  const bearer = tokenOverride ?? session.token();
  if (!tokenOverride && (!bearer || session.expired(bearer))) {
    onSessionEnded('expired');
    throw new SessionEnded();
  }
  const headers = { Accept: accept, Authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url(path, params), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null);
  }
  if (res.ok) return res;
  const problem = await res.json().catch(() => null);
  if (res.status === 401 && !tokenOverride) {
    onSessionEnded('expired');
    throw new SessionEnded();
  }
  throw new ApiError(res.status, problem);
}

export async function json(path, opts) {
  return (await request(path, opts)).json();
}

/** Saves a response as a file: links cannot carry the bearer header, so fetch + blob. */
export async function download(path, params, fallbackName, accept) {
  const res = await request(path, { params, accept });
  const cd = res.headers.get('Content-Disposition') || '';
  // RFC 6266: filename* (UTF-8, percent-encoded) wins over the ASCII filename fallback.
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd) || /filename="?([^";]+)"?/i.exec(cd);
  // The name as the browser saves it: path separators and characters file systems refuse become
  // "_" (what Chromium does), so the banner names the file the user will find.
  const name = savedName(m ? decodeURIComponent(m[1]) : fallbackName);
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}

/** `raw` as a file name a browser would save: no path separators, reserved or control characters. */
export function savedName(raw) {
  // eslint-disable-next-line no-control-regex
  const name = String(raw).replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  return name || 'download';
}
