// One queue's page: live figures, the hour's chart, a peek of the oldest messages, find by
// key, a test publish, pause/resume, purge and drop (confirmed), settings, dead letters with
// redrive, and the consumers connected to this daemon by transport. Every action goes
// through the typed client library, so the server's ACL decides what this caller may do.
import { lineChart } from './chart.js';
import { age, confirmDialog, count, describe, h, rate, toast } from './dom.js';

/** Most dead letters one redrive moves (the server's limit). */
const MAX_REDRIVE = 1000;

const TRANSPORTS = ['COMET', 'SSE', 'WebSocket', 'Long poll'];

function field(label, input, hint) {
  return h('label', {}, label, input, hint === undefined ? null : h('small', {}, hint));
}

/** A card with a title, an optional element beside it, and a body. */
function card(title, id, ...body) {
  return h('section', { class: 'card', id }, h('h2', {}, title), ...body);
}

/** A table of messages (peek answers). */
function messageTable(messages, emptyText) {
  if (messages.length === 0) return h('p', { class: 'empty' }, emptyText);
  return h(
    'table',
    { class: 'messages' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Attempts'), h('th', {}, 'Value'))),
    h(
      'tbody',
      {},
      ...messages.map((m) =>
        h(
          'tr',
          {},
          h('td', { dataset: { label: 'Key' } }, h('code', {}, m.key)),
          h('td', { dataset: { label: 'State' } }, h('span', { class: `state ${m.state}` }, m.state)),
          h('td', { class: 'num', dataset: { label: 'Attempts' } }, String(m.attempts)),
          h('td', { class: 'value', dataset: { label: 'Value' } }, m.value.length > 200 ? `${m.value.slice(0, 200)}…` : m.value),
        ),
      ),
    ),
  );
}

/** Differences between consecutive points per second (rates from counters), clamped at 0. */
function perSecond(times, values) {
  return values.map((v, i) => (i === 0 ? 0 : Math.max(0, Math.round(((v - values[i - 1]) * 1000 * 100) / Math.max(1, times[i] - times[i - 1])) / 100)));
}

/** Renders the queue page; answers its cleanup. */
export function renderQueue(app, queue) {
  const { client, live } = app;
  const run = async (what, work) => {
    try {
      return await work();
    } catch (error) {
      toast(`${what}: ${describe(error)}`, 'error');
      return undefined;
    }
  };

  // Header and actions.
  const status = h('span', { class: 'pill', id: 'status' });
  const policy = h('span', { class: 'badge', id: 'policy' });
  const toggle = h('button', { type: 'button', id: 'toggle' }, 'Pause');
  const purge = h('button', { type: 'button', id: 'purge', class: 'danger' }, 'Purge');
  const drop = h('button', { type: 'button', id: 'drop', class: 'danger' }, 'Drop');
  const head = h(
    'div',
    { class: 'toolbar' },
    h('a', { href: '#/', class: 'back' }, '← Queues'),
    h('h1', { id: 'queue-name' }, queue),
    status,
    policy,
    h('span', { class: 'grow' }),
    toggle,
    purge,
    drop,
  );

  // Live figures.
  const figures = Object.fromEntries(
    ['Depth', 'Ready', 'In flight', 'Delayed', 'Dead letters', 'In/s', 'Out/s', 'Oldest', 'Published'].map((name) => [name, h('b', {}, '—')]),
  );
  const stats = h('div', { class: 'figures', id: 'figures' }, ...Object.entries(figures).map(([name, b]) => h('div', { class: 'figure' }, h('span', {}, name), b)));
  const missing = h('p', { class: 'note', hidden: true }, 'This queue holds nothing yet: it appears with its first message or setting.');

  // Charts.
  const chartBox = h('div', { id: 'chart' });
  const rateBox = h('div', { id: 'rates' });
  const charts = card('Last hour', 'history', h('p', { class: 'hint', id: 'history-note' }), chartBox, rateBox);

  // Peek.
  const peekN = h('select', { id: 'peek-n', 'aria-label': 'How many' }, ...[5, 10, 25, 50, 100].map((n) => h('option', { value: n, selected: n === 10 }, String(n))));
  const peekBody = h('div', { id: 'peek' });
  const peekButton = h('button', { type: 'button', id: 'peek-refresh' }, 'Refresh');
  const peekCard = card('Oldest messages', 'peek-card', h('p', { class: 'hint' }, 'A peek: nothing is taken, leased or counted.'), h('div', { class: 'row' }, peekN, peekButton), peekBody);

  // Find by key.
  const keyInput = h('input', { id: 'find-key', value: `${queue}:`, spellcheck: 'false', 'aria-label': 'Key' });
  const found = h('div', { id: 'found' });
  const findForm = h('form', { id: 'find' }, h('div', { class: 'row' }, keyInput, h('button', { type: 'submit' }, 'Find')), found);
  const findCard = card('Find a message by key', 'find-card', findForm);

  // Send.
  const value = h('textarea', { id: 'send-value', rows: 3, placeholder: 'hello' });
  const delay = h('input', { id: 'send-delay', type: 'number', min: 0, max: 604800, placeholder: '0' });
  const ttl = h('input', { id: 'send-ttl', type: 'number', min: 1, max: 31536000, placeholder: 'none' });
  const dedup = h('input', { id: 'send-dedup', placeholder: 'none', spellcheck: 'false' });
  const sent = h('p', { id: 'sent', class: 'hint' });
  const sendForm = h(
    'form',
    { id: 'send' },
    field('Value', value),
    h('div', { class: 'fields3' }, field('Delay (s)', delay), field('TTL (s)', ttl), field('Dedup id', dedup)),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Send'), sent),
  );
  const sendCard = card('Send a test message', 'send-card', sendForm);

  // Settings.
  const inputs = {
    policy: h('select', { id: 'set-policy' }, h('option', { value: 'broadcast' }, 'broadcast'), h('option', { value: 'roundrobin' }, 'roundrobin')),
    lease: h('input', { id: 'set-lease', type: 'number', min: 1, max: 43200 }),
    max_attempts: h('input', { id: 'set-max_attempts', type: 'number', min: 0, max: 1000 }),
    dead_letter: h('input', { id: 'set-dead_letter', spellcheck: 'false' }),
    delay: h('input', { id: 'set-delay', type: 'number', min: 0, max: 604800 }),
    ttl: h('input', { id: 'set-ttl', type: 'number', min: 1, max: 31536000, placeholder: 'none' }),
    max_length: h('input', { id: 'set-max_length', type: 'number', min: 1, placeholder: 'unbounded' }),
    dedup_window: h('input', { id: 'set-dedup_window', type: 'number', min: 0, max: 86400 }),
  };
  let config = null;
  const settingsForm = h(
    'form',
    { id: 'settings', class: 'settings' },
    field('Policy', inputs.policy, 'streaming fan-out'),
    field('Lease (s)', inputs.lease, 'default lease length'),
    field('Max attempts', inputs.max_attempts, '0: never dead-letter'),
    field('Dead-letter queue', inputs.dead_letter),
    field('Delay (s)', inputs.delay, 'default for a publish'),
    field('TTL (s)', inputs.ttl, 'blank: none'),
    field('Max length', inputs.max_length, 'blank: unbounded'),
    field('Dedup window (s)', inputs.dedup_window, '0: off'),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save settings')),
  );
  const settingsCard = card('Settings', 'settings-card', settingsForm);

  // Dead letters.
  const dlqInfo = h('p', { id: 'dlq-info' });
  const dlqPeek = h('div', { id: 'dlq-peek' });
  const redrive = h('button', { type: 'button', id: 'redrive' }, 'Redrive');
  const ownDead = h('div', { id: 'own-dead', hidden: true });
  const deadCard = card('Dead letters', 'dead-card', dlqInfo, dlqPeek, h('div', { class: 'row' }, redrive), ownDead);

  // Consumers.
  const consumerCells = TRANSPORTS.map(() => h('td', { class: 'num' }, '0'));
  const consumersCard = card(
    'Consumers',
    'consumers-card',
    h('p', { class: 'hint' }, 'Connected to this daemon now.'),
    h('table', { class: 'consumers', id: 'consumers' }, h('tbody', {}, ...TRANSPORTS.map((t, i) => h('tr', { dataset: { transport: t } }, h('th', {}, t), consumerCells[i])))),
  );

  app.view.append(head, stats, missing, charts, h('div', { class: 'grid' }, peekCard, findCard, sendCard, settingsCard, deadCard, consumersCard));

  const dlqName = () => (config?.dead_letter ?? `${queue.slice(0, 124)}.dlq`);

  const refreshPeek = async () => {
    const n = Number(/** @type {HTMLSelectElement} */ (peekN).value);
    const messages = await run('Peek', () => client.peek(queue, n));
    if (messages !== undefined) peekBody.replaceChildren(messageTable(messages, 'The queue is empty.'));
  };
  const refreshDead = async () => {
    const dlq = dlqName();
    const depth = live.rows.get(dlq)?.length ?? 0;
    dlqInfo.replaceChildren('Messages out of attempts move to ', h('a', { href: `#/q/${encodeURIComponent(dlq)}` }, h('code', {}, dlq)), `: ${count(depth)} waiting there.`);
    redrive.textContent = `Redrive ${count(Math.min(depth, MAX_REDRIVE))} to ${queue}`;
    redrive.disabled = depth === 0;
    const messages = depth === 0 ? [] : await run('Peek dead letters', () => client.peek(dlq, 5));
    dlqPeek.replaceChildren(messageTable(messages ?? [], 'No dead letters.'));
    const own = live.rows.get(queue)?.dead ?? 0;
    ownDead.hidden = own === 0;
    if (own > 0) {
      const back = h('button', { type: 'button', id: 'redrive-own' }, `Redrive ${count(Math.min(own, MAX_REDRIVE))} to their queues`);
      back.addEventListener('click', () => void redriveFrom(queue, own));
      ownDead.replaceChildren(h('p', {}, `This queue holds ${count(own)} dead letters of other queues.`), back);
    }
  };
  const redriveFrom = async (dlq, depth) => {
    const moved = await run('Redrive', () => client.redrive(dlq, Math.min(depth, MAX_REDRIVE)));
    if (moved !== undefined) toast(`Moved ${count(moved)} dead letters back`);
    void refreshPeek();
    void refreshDead();
  };
  redrive.addEventListener('click', () => void redriveFrom(dlqName(), live.rows.get(dlqName())?.length ?? 0));

  const loadConfig = async () => {
    const answer = await run('Settings', () => client.config(queue));
    if (answer === undefined) return;
    config = answer;
    for (const [name, input] of Object.entries(inputs)) /** @type {HTMLInputElement} */ (input).value = answer[name] === null ? '' : String(answer[name]);
    void refreshDead();
  };

  const drawCharts = async () => {
    const response = await fetch(`/dashboard/api/queues/${encodeURIComponent(queue)}/history`, { headers: live.headers() }).catch(() => null);
    if (response === null || !response.ok) return;
    const h1 = await response.json();
    const span = h1.t.length < 2 ? 0 : h1.t[h1.t.length - 1] - h1.t[0];
    const every = h1.t.length < 2 ? h1.step_ms : span / (h1.t.length - 1);
    /** @type {HTMLElement} */ (charts.querySelector('#history-note')).textContent =
      `A point every ${Math.round(every / 1000)} s over the last ${Math.max(1, Math.round(span / 60000))} min (up to ${h1.points} points), kept in this daemon's memory.`;
    const length = h1.t.map((_, i) => h1.ready[i] + h1.leased[i] + h1.delayed[i]);
    chartBox.replaceChildren(
      lineChart({
        times: h1.t,
        series: [
          { name: 'Ready', cls: 's-ready', values: h1.ready },
          { name: 'In flight', cls: 's-leased', values: h1.leased },
          { name: 'Delayed', cls: 's-delayed', values: h1.delayed },
          { name: 'Dead letters', cls: 's-dead', values: h1.dead },
        ],
        empty: 'The chart fills in as points arrive.',
      }),
    );
    const inRate = perSecond(h1.t, h1.published);
    const outRate = inRate.map((r, i) => (i === 0 ? 0 : Math.max(0, Math.round((r - ((length[i] - length[i - 1]) * 1000) / Math.max(1, h1.t[i] - h1.t[i - 1])) * 100) / 100)));
    rateBox.replaceChildren(
      lineChart({
        times: h1.t,
        series: [
          { name: 'In/s', cls: 's-in', values: inRate },
          { name: 'Out/s', cls: 's-out', values: outRate },
        ],
        height: 140,
        empty: '',
      }),
    );
  };

  const update = (event) => {
    const row = live.rows.get(queue);
    missing.hidden = row !== undefined;
    const r = row ?? { length: 0, ready: 0, leased: 0, delayed: 0, dead: 0, in_rate: 0, out_rate: 0, oldest_at: 0, published: 0, status: config?.status ?? 'started', policy: config?.policy ?? 'broadcast', consumers: [0, 0, 0, 0] };
    figures.Depth.textContent = count(r.length);
    figures.Ready.textContent = count(r.ready);
    figures['In flight'].textContent = count(r.leased);
    figures.Delayed.textContent = count(r.delayed);
    figures['Dead letters'].textContent = count(r.dead);
    figures['In/s'].textContent = rate(r.in_rate);
    figures['Out/s'].textContent = rate(r.out_rate);
    figures.Oldest.textContent = r.oldest_at === 0 ? '—' : age(live.at - r.oldest_at * 1000);
    figures.Published.textContent = count(r.published);
    const paused = r.status === 'stopped';
    status.textContent = paused ? 'paused' : 'running';
    status.className = paused ? 'pill paused' : 'pill running';
    policy.textContent = r.policy;
    toggle.textContent = paused ? 'Resume' : 'Pause';
    r.consumers.forEach((n, i) => {
      consumerCells[i].textContent = count(n);
    });
    if (event?.detail?.history) void drawCharts();
    const dlqDepth = live.rows.get(dlqName())?.length ?? 0;
    if (dlqDepth !== lastDlqDepth || r.dead !== lastOwnDead) {
      lastDlqDepth = dlqDepth;
      lastOwnDead = r.dead;
      void refreshDead();
    }
  };
  let lastDlqDepth = -1;
  let lastOwnDead = -1;

  toggle.addEventListener('click', async () => {
    const stopping = toggle.textContent === 'Pause';
    const done = await run(stopping ? 'Pause' : 'Resume', () => client.setStatus(queue, stopping ? 'stop' : 'start').then(() => true));
    if (done) toast(stopping ? `Paused ${queue}: streaming delivery waits` : `Resumed ${queue}`);
  });
  purge.addEventListener('click', async () => {
    const depth = live.rows.get(queue)?.length ?? 0;
    if (!(await confirmDialog({ title: `Purge ${queue}?`, text: `Deletes its ${count(depth)} messages. Settings stay.`, action: 'Purge' }))) return;
    const purged = await run('Purge', () => client.purge(queue));
    if (purged !== undefined) toast(`Purged ${count(purged)} messages`);
    void refreshPeek();
  });
  drop.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: `Drop ${queue}?`, text: 'Deletes the queue: its messages, settings, numbering and dedup memory.', typed: queue, action: 'Drop' });
    if (!ok) return;
    const dropped = await run('Drop', () => client.drop(queue));
    if (dropped !== undefined) {
      toast(`Dropped ${queue} (${count(dropped)} messages)`);
      location.hash = '#/';
    }
  });
  peekButton.addEventListener('click', () => void refreshPeek());
  peekN.addEventListener('change', () => void refreshPeek());
  findForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = /** @type {HTMLInputElement} */ (keyInput).value.trim();
    try {
      const m = await client.get(queue, key);
      found.replaceChildren(
        h('dl', { class: 'message' }, h('dt', {}, 'Key'), h('dd', {}, h('code', {}, m.key)), h('dt', {}, 'State'), h('dd', {}, m.state), h('dt', {}, 'Attempts'), h('dd', {}, String(m.attempts)), h('dt', {}, 'Value'), h('dd', {}, h('pre', {}, m.value))),
      );
    } catch (error) {
      found.replaceChildren(h('p', { class: 'error' }, describe(error)));
    }
  });
  sendForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const number = (input) => (/** @type {HTMLInputElement} */ (input).value === '' ? undefined : Number(/** @type {HTMLInputElement} */ (input).value));
    const dedupId = /** @type {HTMLInputElement} */ (dedup).value.trim();
    const options = { delay: number(delay), ttl: number(ttl), dedup: dedupId === '' ? undefined : dedupId };
    const answer = await run('Send', () => client.publish(queue, /** @type {HTMLTextAreaElement} */ (value).value, options));
    if (answer === undefined) return;
    sent.textContent = answer.duplicate ? `Duplicate of ${answer.key}: nothing stored` : `Stored as ${answer.key}`;
    void refreshPeek();
  });
  settingsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const patch = {};
    for (const [name, input] of Object.entries(inputs)) {
      const text = /** @type {HTMLInputElement} */ (input).value.trim();
      const before = config?.[name] === null || config?.[name] === undefined ? '' : String(config[name]);
      if (text === before) continue;
      if (name === 'policy') patch[name] = text;
      else if (name === 'dead_letter') patch[name] = text === '' ? null : text;
      else patch[name] = text === '' ? null : Number(text);
    }
    if (Object.keys(patch).length === 0) return toast('Nothing changed');
    const answer = await run('Save settings', () => client.configure(queue, patch));
    if (answer === undefined) return;
    toast(`Saved ${Object.keys(patch).join(', ')}`);
    void loadConfig();
  });

  live.addEventListener('update', update);
  update({ detail: { history: true } });
  void loadConfig();
  void refreshPeek();
  return () => live.removeEventListener('update', update);
}
