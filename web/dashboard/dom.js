// Small DOM helpers: element building without innerHTML (nothing from the server is ever
// parsed as HTML), number and age formatting, and the toast.

/**
 * Builds an element: h('td', { class: 'num', dataset: { label: 'Ready' } }, 'text', child).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children, skipping empty ones. */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/** 1234567 → "1,234,567". */
export function count(n) {
  return Number(n).toLocaleString('en-US');
}

/** A rate per second, short: 0, 0.5, 12, 1.2k. */
export function rate(n) {
  if (n === 0) return '0';
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

/** An age in ms, short: "—", "4s", "3m", "2h", "5d". */
export function age(ms) {
  if (!ms) return '—';
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

let toastTimer = 0;

/** Shows a short message at the bottom; `kind` is "ok" or "error". */
export function toast(message, kind = 'ok') {
  const el = /** @type {HTMLElement} */ (document.getElementById('toast'));
  el.textContent = message;
  el.className = `show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    el.className = '';
  }, kind === 'error' ? 6000 : 3000);
}

/** A message of an error for a person: the catalog code and message when it has them. */
export function describe(error) {
  if (error && typeof error === 'object' && 'code' in error) return `${error.message} (${error.code})`;
  return String(error);
}

/**
 * Asks for confirmation in the page's dialog; with `typed`, the user must type that text.
 * @param {{ title: string, text: string, typed?: string, action: string }} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, text, typed, action }) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm'));
  const form = /** @type {HTMLFormElement} */ (document.getElementById('confirm-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('confirm-typed'));
  const ok = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-ok'));
  const label = /** @type {HTMLElement} */ (document.getElementById('confirm-typed-label'));
  /** @type {HTMLElement} */ (document.getElementById('confirm-title')).textContent = title;
  /** @type {HTMLElement} */ (document.getElementById('confirm-text')).textContent = text;
  /** @type {HTMLElement} */ (document.getElementById('confirm-name')).textContent = typed ?? '';
  label.hidden = typed === undefined;
  input.value = '';
  ok.textContent = action;
  ok.disabled = typed !== undefined;
  input.oninput = () => {
    ok.disabled = input.value !== typed;
  };
  return new Promise((resolve) => {
    const finish = (answer) => {
      form.onsubmit = null;
      /** @type {HTMLElement} */ (document.getElementById('confirm-cancel')).onclick = null;
      dialog.close();
      resolve(answer);
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      finish(typed === undefined || input.value === typed);
    };
    /** @type {HTMLElement} */ (document.getElementById('confirm-cancel')).onclick = () => finish(false);
    dialog.oncancel = () => finish(false);
    dialog.showModal();
    (typed === undefined ? ok : input).focus();
  });
}
