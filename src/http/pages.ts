/**
 * The few HTML pages RestMQ serves (the index, the queue list, the /j job view and the
 * JSON protocol help). Small templates with every dynamic value escaped.
 */
import { escapeHtml } from './render.js';

/** The one style sheet of every page, inline; the CSP allows exactly it by hash (src/http/guards/browser.ts). */
export const PAGE_STYLE = 'body{font-family:sans-serif;max-width:48em;margin:2em auto}code,pre{background:#f4f4f4}';

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`;
}

/** GET / without a queue: what RestMQ is and where to start. */
export function indexPage(): string {
  return page(
    'RestMQ',
    `<p>A message queue over HTTP. Publish with <code>curl -d value=hello http://HOST/q/test</code>,
take with <code>curl http://HOST/q/test</code>.</p>
<ul><li><a href="/dashboard">dashboard</a></li><li><a href="/q/">queues</a></li><li><a href="/stats/">stats (JSON)</a></li><li><a href="/queue">JSON protocol help</a></li></ul>`,
  );
}

/** GET /q/ for a browser: every queue, linked to its /j view. */
export function queueListPage(queues: readonly string[]): string {
  const items = queues.map((q) => `<li><a href="/j/${encodeURIComponent(q)}">${escapeHtml(q)}</a></li>`).join('\n');
  return page('RestMQ queues', queues.length === 0 ? '<p>No queues yet.</p>' : `<ul>\n${items}\n</ul>`);
}

/** GET /j/<queue>: length and the latest keys. */
export function jobsPage(queue: string, length: number, published: number, latestKeys: readonly string[]): string {
  const keys = latestKeys.map((k) => `<li><code>${escapeHtml(k)}</code></li>`).join('\n');
  return page(
    `Queue ${queue}`,
    `<p>Length: <b id="length">${length}</b> &middot; Messages ever published: <b id="published">${published}</b></p>
<h2>Latest keys</h2>\n${latestKeys.length === 0 ? '<p>None.</p>' : `<ol id="keys">\n${keys}\n</ol>`}`,
  );
}

/** GET /queue: the JSON protocol with examples. */
export function jsonProtocolHelpPage(): string {
  const ex = (cmd: string) => `<pre>curl -d 'body=${escapeHtml(cmd)}' http://HOST/queue</pre>`;
  return page(
    'RestMQ JSON protocol',
    `<p>POST a JSON command as the form field <code>body</code> (or <code>msg</code>), or as an
<code>application/json</code> request body, to <code>/queue</code>.</p>
<h2>add</h2>${ex('{"cmd":"add","queue":"genesis","value":"abacab"}')}
<p>Answers <code>{"queue":"genesis","value":"abacab","key":"genesis:1"}</code>. The value may be any JSON document; an optional <code>ttl</code> (seconds) expires it.</p>
<h2>get (soft read)</h2>${ex('{"cmd":"get","queue":"genesis"}')}
<p>Returns the oldest message without removing it and counts the read: <code>{"queue","value","key","count"}</code>, or <code>{"error":"empty queue"}</code>.</p>
<h2>take</h2>${ex('{"cmd":"take","queue":"genesis"}')}
<p>Removes and returns the oldest message: <code>{"queue","value","key"}</code>, or <code>{"error":"empty queue"}</code>.</p>
<h2>del</h2>${ex('{"cmd":"del","queue":"genesis","key":"genesis:1"}')}
<p>Deletes a message by key: <code>{"queue","deleted":true|false,"key"}</code>.</p>
<h2>lease, ack, release, extend</h2>${ex('{"cmd":"lease","queue":"genesis","lease":30}')}
<p>Leases the oldest message for <code>lease</code> seconds (default: the queue's) and answers it with a <code>receipt</code>,
<code>attempts</code> and <code>lease_expires_at</code>; <code>n</code> leases several. Then
<code>{"cmd":"ack","queue","key","receipt"}</code> deletes it, <code>{"cmd":"release","queue","key","receipt","delay"}</code>
makes it visible again and <code>{"cmd":"extend","queue","key","receipt","lease"}</code> lengthens the lease. See docs/reliable-delivery.md.</p>
<p>Malformed JSON or a command without <code>cmd</code> answers 400 <code>{"error":"Malformed JSON","code":"malformed_json"}</code>;
an unknown command answers 400 <code>{"error":"null resultset ...","code":"unknown_command"}</code>.</p>`,
  );
}
