// The dashboard's entry: credentials (kept in sessionStorage for this tab only), the typed
// client library (restmq/client, served from the package's build), the live stats stream
// and a hash router: #/ is the queue list, #/q/<name> a queue's page.
import { RestMQClient } from '/dashboard/client/index.js';
import { h } from './dom.js';
import { renderList } from './list.js';
import { renderQueue } from './queue.js';
import { LiveStats } from './stream.js';

const CREDENTIALS = 'restmq.dashboard.credentials';
/** Sent with every request so a 401 brings the page's sign-in form, not the browser's prompt. */
const MARKER = { 'x-restmq-dashboard': '1' };

/** @returns {{ token?: string, username?: string, password?: string }} */
function stored() {
  try {
    return JSON.parse(sessionStorage.getItem(CREDENTIALS) ?? '{}');
  } catch {
    return {};
  }
}

function authorization(creds) {
  if (creds.token) return `Bearer ${creds.token}`;
  if (creds.username !== undefined) {
    const bytes = new TextEncoder().encode(`${creds.username}:${creds.password ?? ''}`);
    return `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }
  return null;
}

function headers() {
  const value = authorization(stored());
  return value === null ? { ...MARKER } : { ...MARKER, authorization: value };
}

/** A client of this server with the stored credentials; its requests carry the marker. */
function makeClient() {
  const creds = stored();
  const markedFetch = (input, init = {}) => fetch(input, { ...init, headers: { ...init.headers, ...MARKER } });
  return new RestMQClient({ url: location.origin, ...creds, fetch: markedFetch });
}

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const live = new LiveStats(headers);
const app = { client: makeClient(), live, view, cleanup: () => {} };

function route() {
  app.cleanup();
  app.cleanup = () => {};
  view.replaceChildren();
  const match = /^#\/q\/(.+)$/.exec(location.hash);
  if (match !== null) {
    const queue = decodeURIComponent(match[1]);
    document.title = `${queue} · RestMQ`;
    app.cleanup = renderQueue(app, queue);
  } else {
    document.title = 'Queues · RestMQ';
    app.cleanup = renderList(app);
  }
}

function signIn(message) {
  app.cleanup();
  app.cleanup = () => {};
  const error = h('p', { class: 'error' }, message);
  const token = h('input', { name: 'token', type: 'password', autocomplete: 'off', placeholder: 'rmq_…' });
  const username = h('input', { name: 'username', autocomplete: 'username' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const form = h(
    'form',
    { class: 'card signin', id: 'signin' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'This server has an ACL. Give a token, or a user name and password; they are kept in this tab only.'),
    error,
    h('label', {}, 'Bearer token', token),
    h('p', { class: 'or' }, 'or'),
    h('label', {}, 'User name', username),
    h('label', {}, 'Password', password),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const t = /** @type {HTMLInputElement} */ (token).value.trim();
    const u = /** @type {HTMLInputElement} */ (username).value;
    const creds = t !== '' ? { token: t } : { username: u, password: /** @type {HTMLInputElement} */ (password).value };
    sessionStorage.setItem(CREDENTIALS, JSON.stringify(creds));
    app.client = makeClient();
    signoutButton.hidden = false;
    live.start();
    route();
  });
  view.replaceChildren(form);
  token.focus();
}

const signoutButton = /** @type {HTMLButtonElement} */ (document.getElementById('signout'));
signoutButton.hidden = authorization(stored()) === null;
signoutButton.addEventListener('click', () => {
  sessionStorage.removeItem(CREDENTIALS);
  location.hash = '#/';
  location.reload();
});

const liveLabel = /** @type {HTMLElement} */ (document.getElementById('live'));
const storeLabel = /** @type {HTMLElement} */ (document.getElementById('store'));
live.addEventListener('status', () => {
  liveLabel.textContent = live.connected ? 'live' : 'reconnecting…';
  liveLabel.className = live.connected ? 'live on' : 'live';
});
live.addEventListener('update', () => {
  storeLabel.textContent = live.store;
  liveLabel.textContent = live.error ? `store: ${live.error}` : 'live';
  liveLabel.className = live.error ? 'live bad' : 'live on';
});
live.addEventListener('refused', (event) => {
  const { status, error } = /** @type {CustomEvent} */ (event).detail;
  liveLabel.textContent = 'signed out';
  liveLabel.className = 'live';
  const had = authorization(stored()) !== null;
  signIn(status === 403 ? `${error.message ?? 'forbidden'}: these credentials may not consume any queue.` : had ? 'Those credentials were refused.' : '');
});

window.addEventListener('hashchange', route);
live.start();
route();
