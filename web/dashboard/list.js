// The queue list: every queue the caller may consume, live from the stats stream, with its
// depth by state, rates, consumers and a sparkline; a filter, and pause/resume of every
// queue shown (streaming delivery only: pops and leases go on).
import { sparkline } from './chart.js';
import { age, count, describe, h, rate, toast } from './dom.js';

/** Requests in flight at once when pausing or resuming many queues. */
const PARALLEL = 8;

const COLUMNS = [
  ['queue', 'Queue'],
  ['length', 'Depth'],
  ['ready', 'Ready'],
  ['leased', 'In flight'],
  ['delayed', 'Delayed'],
  ['dead', 'Dead letters'],
  ['in_rate', 'In/s'],
  ['out_rate', 'Out/s'],
  ['consumers', 'Consumers'],
  ['oldest_at', 'Oldest'],
  ['spark', 'Depth, last minutes'],
];

const consumersOf = (row) => row.consumers.reduce((a, b) => a + b, 0);

/** Runs `work` over `items`, PARALLEL at a time; answers the failures. */
async function each(items, work) {
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failures.push([item, error]);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return failures;
}

/** Renders the list into app.view; answers its cleanup. */
export function renderList(app) {
  const { live, client } = app;
  const filter = h('input', { type: 'search', id: 'filter', placeholder: 'Filter queues', 'aria-label': 'Filter queues' });
  const summary = h('span', { class: 'summary' });
  const pauseAll = h('button', { type: 'button', id: 'pause-all', title: 'Stop streaming delivery of every queue shown' }, 'Pause all');
  const resumeAll = h('button', { type: 'button', id: 'resume-all', title: 'Start streaming delivery of every queue shown' }, 'Resume all');
  const body = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No queues yet. Publish one with curl -d value=hello http://HOST/q/test');
  const table = h(
    'table',
    { class: 'queues', id: 'queues' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map(([key, label]) => h('th', { class: key === 'queue' || key === 'spark' ? key : `num ${key}` }, label)))),
    body,
  );
  app.view.append(
    h('div', { class: 'toolbar' }, h('h1', {}, 'Queues'), summary, h('span', { class: 'grow' }), filter, pauseAll, resumeAll),
    h('div', { class: 'card flush' }, table, empty),
  );

  /** @type {Map<string, { tr: HTMLElement, cells: Record<string, HTMLElement>, last: string }>} */
  const rows = new Map();

  const shown = () => {
    const words = /** @type {HTMLInputElement} */ (filter).value.trim().toLowerCase();
    return [...live.rows.keys()].filter((q) => q.toLowerCase().includes(words)).sort();
  };

  const makeRow = (queue) => {
    const cells = {};
    const tr = h('tr', { dataset: { queue } });
    for (const [key, label] of COLUMNS) {
      const td = h('td', { class: key === 'queue' || key === 'spark' ? key : `num ${key}`, dataset: { label } });
      if (key === 'queue') td.append(h('a', { href: `#/q/${encodeURIComponent(queue)}` }, queue), h('span', { class: 'pill' }));
      cells[key] = td;
      tr.append(td);
    }
    return { tr, cells, last: '' };
  };

  const fill = (entry, row, historyTick) => {
    // The age grows while the row stays the same: it is the one cell written at every update.
    entry.cells.oldest_at.textContent = row.oldest_at === 0 ? '—' : age(live.at - row.oldest_at * 1000);
    const key = `${JSON.stringify(row)}|${historyTick}`;
    if (entry.last === key) return;
    entry.last = key;
    const c = entry.cells;
    const pill = /** @type {HTMLElement} */ (c.queue.querySelector('.pill'));
    pill.textContent = row.status === 'stopped' ? 'paused' : '';
    pill.className = row.status === 'stopped' ? 'pill paused' : 'pill';
    c.length.textContent = count(row.length);
    c.ready.textContent = count(row.ready);
    c.leased.textContent = count(row.leased);
    c.delayed.textContent = count(row.delayed);
    c.dead.textContent = count(row.dead);
    c.dead.classList.toggle('warn', row.dead > 0);
    c.in_rate.textContent = rate(row.in_rate);
    c.out_rate.textContent = rate(row.out_rate);
    c.consumers.textContent = count(consumersOf(row));
    c.spark.replaceChildren(sparkline([...(live.spark.get(row.queue) ?? []), row.length]));
  };

  const draw = () => {
    const names = shown();
    const wanted = new Set(names);
    for (const [queue, entry] of rows) {
      if (!wanted.has(queue)) {
        entry.tr.remove();
        rows.delete(queue);
      }
    }
    let before = null;
    for (let i = names.length - 1; i >= 0; i--) {
      const queue = names[i];
      let entry = rows.get(queue);
      if (entry === undefined) {
        entry = makeRow(queue);
        rows.set(queue, entry);
      }
      fill(entry, live.rows.get(queue), live.historyTick);
      if (entry.tr.nextSibling !== before || entry.tr.parentNode !== body) body.insertBefore(entry.tr, before);
      before = entry.tr;
    }
    const all = [...live.rows.values()];
    const paused = all.filter((r) => r.status === 'stopped').length;
    summary.textContent = `${count(all.length)} queues · ${count(all.reduce((a, r) => a + r.length, 0))} messages${paused > 0 ? ` · ${paused} paused` : ''}`;
    empty.hidden = live.rows.size > 0;
    table.hidden = live.rows.size === 0;
  };

  const setAll = async (status) => {
    const names = shown();
    const failures = await each(names, (queue) => client.setStatus(queue, status));
    const verb = status === 'stop' ? 'Paused' : 'Resumed';
    if (failures.length === 0) toast(`${verb} ${count(names.length)} queues`);
    else toast(`${verb} ${names.length - failures.length} of ${names.length}; ${failures[0][0]}: ${describe(failures[0][1])}`, 'error');
  };
  pauseAll.addEventListener('click', () => void setAll('stop'));
  resumeAll.addEventListener('click', () => void setAll('start'));
  filter.addEventListener('input', draw);
  live.addEventListener('update', draw);
  draw();
  return () => live.removeEventListener('update', draw);
}
