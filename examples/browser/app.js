// RestMQ from a browser page: consume a queue over server-sent events and a WebSocket, and
// publish with fetch. `?server=http://host:port&queue=name` in this page's address fills the
// form and connects at once.
//
// The page comes from another origin than RestMQ, so RestMQ must allow it: --cors-origins
// lets its scripts read answers (fetch, EventSource), --allowed-origins lets it open the
// WebSocket and post (see docs/security.md, "Browser safety").
'use strict';

const $ = (id) => document.getElementById(id);
let events = null;
let socket = null;

/** Adds one message to a list as text: values are data, never markup. */
function show(listId, text) {
  const item = document.createElement('li');
  item.textContent = text;
  $(listId).append(item);
}

function setState(id, text) {
  $(id).textContent = text;
}

/** "key: value" of a stream message, {"key":...,"value":...}. */
function describe(json) {
  const message = JSON.parse(json);
  return `${message.key}: ${message.value}`;
}

function connect() {
  events?.close();
  socket?.close();
  const server = new URL($('server').value);
  const queue = encodeURIComponent($('queue').value);

  // EventSource reconnects by itself, sending Last-Event-ID, so a short break loses nothing.
  events = new EventSource(new URL(`/sse/${queue}`, server));
  events.onopen = () => setState('sse-state', 'open');
  setState('sse-state', 'connecting');
  // An error while open means a reconnect is coming; a refusal (or a missing CORS grant)
  // closes the EventSource for good.
  events.onerror = () => setState('sse-state', events.readyState === EventSource.CLOSED ? 'failed' : 'reconnecting');
  events.onmessage = (e) => show('sse', describe(e.data));
  // The server names its reason before it ends a stream (purge, shutdown, slow consumer).
  events.addEventListener('close', (e) => show('sse', `closed by the server: ${JSON.parse(e.data).error.code}`));

  const ws = new URL(`/ws/${queue}`, server);
  ws.protocol = server.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(ws);
  setState('ws-state', 'connecting');
  socket.onopen = () => setState('ws-state', 'open');
  socket.onclose = () => setState('ws-state', 'closed');
  socket.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    // Answers to commands sent on the socket carry "queue"; delivered messages do not.
    if (!('queue' in frame)) show('ws', describe(e.data));
  };
  setState('status', `connected to ${server.origin}, queue ${$('queue').value}`);
}

async function publish() {
  const server = new URL($('server').value);
  // A form body is a "simple" request: no CORS preflight is needed.
  const res = await fetch(new URL(`/q/${encodeURIComponent($('queue').value)}`, server), {
    method: 'POST',
    body: new URLSearchParams({ value: $('value').value }),
  });
  const text = (await res.text()).trim();
  setState('status', res.ok ? `published ${text}` : `publish refused: ${res.status} ${text}`);
}

$('connect').addEventListener('submit', (e) => {
  e.preventDefault();
  connect();
});
$('publish').addEventListener('submit', (e) => {
  e.preventDefault();
  publish().catch((err) => setState('status', `publish failed: ${err.message}`));
});

const params = new URLSearchParams(location.search);
if (params.has('server')) $('server').value = params.get('server');
if (params.has('queue')) $('queue').value = params.get('queue');
if (params.has('server')) connect();
