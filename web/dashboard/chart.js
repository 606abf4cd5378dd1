// Hand-written SVG charts: a sparkline for the queue list and a line chart with axes for a
// queue's hour. No library: a few polylines, built with DOM calls (no inline styles, so the
// page's CSP needs no 'unsafe-inline'); colours come from classes in style.css.
import { count, h, svg } from './dom.js';

/**
 * A sparkline of `values` (oldest first) as an inline SVG; empty when there are fewer than two.
 * @param {number[]} values
 */
export function sparkline(values, width = 96, height = 24) {
  const el = svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  if (values.length < 2) return el;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  el.append(svg('polyline', { points: `0,${height} ${points.join(' ')} ${width},${height}`, class: 'area' }));
  el.append(svg('polyline', { points: points.join(' '), class: 'line' }));
  return el;
}

/** A round upper bound for an axis and its tick step. */
function niceScale(max, ticks = 4) {
  if (max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * A line chart of several series over shared times, with a y axis, time ticks, a legend that
 * shows the values under the pointer, and an empty state.
 * @param {{ times: number[], series: { name: string, cls: string, values: number[] }[], unit?: string, height?: number, empty?: string }} options
 */
export function lineChart({ times, series, unit = '', height = 200, empty = 'No points yet.' }) {
  const wrap = h('div', { class: 'chart' });
  const legend = h('div', { class: 'legend' });
  const values = series.map(() => h('b', {}, '—'));
  series.forEach((s, i) => legend.append(h('span', { class: `key ${s.cls}` }, h('i', { class: 'swatch' }), `${s.name} `, values[i])));
  const when = h('span', { class: 'when' });
  legend.append(when);
  wrap.append(legend);
  const draw = () => {
    wrap.querySelector('svg')?.remove();
    wrap.querySelector('.empty')?.remove();
    if (times.length < 2) {
      wrap.append(h('p', { class: 'empty' }, empty));
      return;
    }
    const width = Math.max(280, wrap.clientWidth || 600);
    const left = 44, right = 8, top = 8, bottom = 22;
    const plotW = width - left - right, plotH = height - top - bottom;
    const max = Math.max(0, ...series.flatMap((s) => s.values));
    const { top: yTop, step } = niceScale(max);
    const t0 = times[0], t1 = times[times.length - 1];
    const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
    const y = (v) => top + plotH - (v / yTop) * plotH;
    const el = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': series.map((s) => s.name).join(', ') });
    for (let v = 0; v <= yTop + step / 2; v += step) {
      el.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'gridline' }));
      const label = svg('text', { x: left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' });
      label.textContent = v >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100);
      el.append(label);
    }
    const span = t1 - t0;
    // Time labels about 70 px apart at least, on whole minutes.
    const most = Math.max(2, Math.floor(plotW / 70));
    const tickMs = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000].find((m) => span / m <= most) ?? 3_600_000;
    for (let t = Math.ceil(t0 / tickMs) * tickMs; t <= t1; t += tickMs) {
      const label = svg('text', { x: x(t), y: height - 6, class: 'axis', 'text-anchor': 'middle' });
      label.textContent = clock(t);
      el.append(label);
    }
    for (const s of series) {
      const points = s.values.map((v, i) => `${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      el.append(svg('polyline', { points, class: `series ${s.cls}` }));
    }
    const cursor = svg('line', { x1: 0, x2: 0, y1: top, y2: top + plotH, class: 'cursor', visibility: 'hidden' });
    el.append(cursor);
    const show = (i) => {
      series.forEach((s, k) => {
        values[k].textContent = `${count(s.values[i] ?? 0)}${unit}`;
      });
      when.textContent = clock(times[i] ?? 0) + (i === times.length - 1 ? ' (latest)' : '');
    };
    show(times.length - 1);
    el.addEventListener('pointermove', (event) => {
      const box = el.getBoundingClientRect();
      const px = ((event.clientX - box.left) / box.width) * width;
      const t = t0 + ((px - left) / plotW) * (t1 - t0);
      let i = 0;
      while (i < times.length - 1 && times[i + 1] <= t) i++;
      if (i < times.length - 1 && t - times[i] > times[i + 1] - t) i++;
      cursor.setAttribute('x1', String(x(times[i])));
      cursor.setAttribute('x2', String(x(times[i])));
      cursor.setAttribute('visibility', 'visible');
      show(i);
    });
    el.addEventListener('pointerleave', () => {
      cursor.setAttribute('visibility', 'hidden');
      show(times.length - 1);
    });
    wrap.append(el);
  };
  // Drawn once the wrapper is in the page (its width is known), and again when it resizes.
  let lastWidth = -1;
  new ResizeObserver(() => {
    if (wrap.clientWidth !== lastWidth) {
      lastWidth = wrap.clientWidth;
      draw();
    }
  }).observe(wrap);
  return wrap;
}
