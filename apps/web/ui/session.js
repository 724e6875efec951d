// The signed-in session: the bearer token (sessionStorage, so it dies with the tab), its claims,
// and Cognito's JSON API for user-password sign-in with the first-login new-password step.
//
// A new tab of the same browser borrows the token from an open tab over a BroadcastChannel
// (same origin only) instead of asking for it again; nothing is written to localStorage, so
// the token still dies with the last open tab. Signing out in one tab signs out every tab.

const TOKEN_KEY = 'navsync.token';

/** The JWT's payload, unverified: only for display and expiry, never for trust. */
export function claims(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)),
      (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const value = JSON.parse(json);
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t); }
export function clear() { sessionStorage.removeItem(TOKEN_KEY); }

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('navsync.session') : null;
let answerWaiter = null;
let signedOutElsewhere = () => {};
if (channel) {
  channel.onmessage = ({ data }) => {
    if (data?.type === 'ask' && token() && !expired()) channel.postMessage({ type: 'token', token: token() });
    else if (data?.type === 'token' && answerWaiter && typeof data.token === 'string' && !expired(data.token)) answerWaiter(data.token);
    else if (data?.type === 'signout' && token()) { clear(); signedOutElsewhere(); }
  };
}

/**
 * With no token in this tab: asks the tab's siblings for theirs, waiting at most `ms` for an
 * answer (no open tab answers none). Resolves to whether this tab now has a token.
 */
export function borrowToken(ms = 300) {
  if (token() || !channel) return Promise.resolve(Boolean(token()));
  return new Promise((resolve) => {
    const done = (t) => {
      clearTimeout(timer);
      answerWaiter = null;
      if (t) setToken(t);
      resolve(Boolean(t));
    };
    const timer = setTimeout(() => done(null), ms);
    answerWaiter = done;
    channel.postMessage({ type: 'ask' });
  });
}

/** Signs out here and in every other tab of this browser; `onElsewhere` runs when another tab does. */
export function signOutEverywhere() {
  clear();
  channel?.postMessage({ type: 'signout' });
}
export function onSignedOutElsewhere(fn) { signedOutElsewhere = fn; }

/** True when the token's `exp` has passed (a token without `exp` is left to the server). */
export function expired(t = token()) {
  const c = t && claims(t);
  return Boolean(c && typeof c.exp === 'number' && c.exp * 1000 <= Date.now());
}

/** Taxpayers the claims name, as the API reads them: `taxpayer-<id>` groups and `custom:taxpayers`. */
export function claimedTaxpayers(c) {
  const out = new Set();
  let groups = c?.['cognito:groups'] ?? [];
  if (typeof groups === 'string') groups = groups.replace(/^\[|\]$/g, '').split(/[\s,]+/);
  for (const g of groups) if (typeof g === 'string' && /^taxpayer-\d{8}$/.test(g)) out.add(g.slice(9));
  for (const id of String(c?.['custom:taxpayers'] ?? '').split(',')) if (/^\d{8}$/.test(id.trim())) out.add(id.trim());
  return [...out].sort();
}

/** Password rules of the Cognito user pool (Terraform: min 8, upper, lower, number, symbol). */
export const PASSWORD_RULES = [
  ['rule.length', (p) => p.length >= 8],
  ['rule.upper', (p) => /[A-Z]/.test(p)],
  ['rule.lower', (p) => /[a-z]/.test(p)],
  ['rule.number', (p) => /[0-9]/.test(p)],
  ['rule.symbol', (p) => /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(p)],
];

export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

export function cognitoEndpoint(config) {
  return config.cognitoEndpoint || `https://cognito-idp.${config.region}.amazonaws.com/`;
}

async function cognito(config, target, body) {
  let res;
  try {
    res = await fetch(cognitoEndpoint(config), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new CognitoError('NetworkError', e.message);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(data.__type || data.code || `HTTP ${res.status}`).split('#').pop();
    throw new CognitoError(type, data.message || data.Message);
  }
  return data;
}

/** `{ token }` when signed in, or `{ challenge: 'NEW_PASSWORD_REQUIRED', session }`. */
export async function cognitoSignIn(config, username, password) {
  const data = await cognito(config, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: config.userPoolClientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return outcome(data);
}

export async function cognitoNewPassword(config, username, session, newPassword) {
  const data = await cognito(config, 'RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: config.userPoolClientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  return outcome(data);
}

function outcome(data) {
  if (data.AuthenticationResult) {
    // The access token carries cognito:groups and is what API Gateway's JWT authorizer expects.
    const r = data.AuthenticationResult;
    return { token: r.AccessToken || r.IdToken };
  }
  if (data.ChallengeName) return { challenge: data.ChallengeName, session: data.Session };
  throw new CognitoError('UnexpectedResponse', 'Cognito answered neither tokens nor a challenge');
}
