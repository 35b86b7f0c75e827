// chart.js - hand-written SVG charts (no library): grouped bars of counts on a left axis
// with a percentage line on a right axis. The SVG is drawn at the container's real width (so
// text keeps its size) and redrawn when the container is resized. The SVG is one image for
// assistive technology (role="img" + aria-label); callers add the same data as a table.

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...kids) {
  const e = document.createElementNS(NS, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

// A "nice" axis maximum and step for counts: 0..max in about `n` steps of 1, 2 or 5 × 10^k.
export function niceScale(max, n = 5) {
  if (!(max > 0)) return { max: n, step: 1 };
  const raw = max / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  const step = Math.max(1, (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag);
  return { max: Math.ceil(max / step) * step, step };
}

const fmtN = n => new Intl.NumberFormat('vi-VN').format(n);
const fmtP = p => `${String(Math.round(p * 100) / 100).replace('.', ',')} %`;

// Draws the chart into an <svg> of the given width. opts:
//   labels: ['01/07', ...]        x labels (one per bucket)
//   tips:   ['01/07/2026', ...]   optional long labels for the tooltips
//   bars:   [{name, cls, values: [n, ...]}]   grouped bars (left axis, counts)
//   line:   {name, cls, values: [pct|null, ...]}  optional line (right axis, 0..100 %)
//   label:  the accessible name (aria-label) of the whole image
//   height: px (default 280)
export function barLineSvg(width, opts) {
  const { labels = [], tips = labels, bars = [], line = null, label = '', height = 280 } = opts;
  const W = Math.max(320, Math.floor(width));
  const H = height;
  const m = { top: 14, right: line ? 52 : 16, bottom: 40, left: 48 };
  const iw = W - m.left - m.right, ih = H - m.top - m.bottom;
  const n = labels.length;
  const svg = el('svg', {
    class: 'chart', role: 'img', 'aria-label': label, width: W, height: H,
    viewBox: `0 0 ${W} ${H}`, focusable: 'false',
  });
  svg.append(el('title', null, label));
  const maxV = Math.max(0, ...bars.flatMap(b => b.values.map(v => v || 0)));
  const sc = niceScale(maxV, 5);
  const y = v => m.top + ih - (v / sc.max) * ih;
  const yp = p => m.top + ih - (p / 100) * ih;

  // grid and left axis (counts)
  const grid = el('g', { class: 'chart-grid' });
  for (let v = 0; v <= sc.max + 1e-9; v += sc.step) {
    const yy = Math.round(y(v)) + 0.5;
    grid.append(el('line', { x1: m.left, x2: m.left + iw, y1: yy, y2: yy }));
    grid.append(el('text', { x: m.left - 6, y: yy + 4, 'text-anchor': 'end', class: 'chart-tick' }, fmtN(v)));
  }
  svg.append(grid);
  // right axis (percent)
  if (line) {
    const ax = el('g', { class: 'chart-axis-right' });
    for (let p = 0; p <= 100; p += 25) {
      ax.append(el('text', { x: m.left + iw + 6, y: Math.round(yp(p)) + 4, class: 'chart-tick' }, `${p} %`));
    }
    svg.append(ax);
  }
  svg.append(el('line', { class: 'chart-axis', x1: m.left, x2: m.left + iw, y1: m.top + ih + 0.5, y2: m.top + ih + 0.5 }));

  if (!n) {
    svg.append(el('text', { x: m.left + iw / 2, y: m.top + ih / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'Không có số liệu trong kỳ'));
    return svg;
  }
  const band = iw / n;
  const gap = Math.min(8, band * 0.2);
  const bw = Math.max(1, (band - gap) / Math.max(1, bars.length));
  const plot = el('g', { class: 'chart-bars' });
  for (let i = 0; i < n; i++) {
    const x0 = m.left + i * band + gap / 2;
    const g = el('g');
    bars.forEach((b, j) => {
      const v = b.values[i] || 0;
      const top = y(v);
      g.append(el('rect', { class: `chart-bar ${b.cls || ''}`, x: (x0 + j * bw).toFixed(2), y: top.toFixed(2),
        width: Math.max(0.5, bw - (bw > 3 ? 1 : 0)).toFixed(2), height: Math.max(0, m.top + ih - top).toFixed(2) }));
    });
    // a transparent hit area over the bucket with a tooltip of its figures
    const parts = bars.map(b => `${b.name}: ${fmtN(b.values[i] || 0)}`);
    if (line) parts.push(`${line.name}: ${line.values[i] === null || line.values[i] === undefined ? 'không có' : fmtP(line.values[i])}`);
    g.append(el('rect', { class: 'chart-hit', x: (m.left + i * band).toFixed(2), y: m.top, width: band.toFixed(2), height: ih },
      el('title', null, `${tips[i]}: ${parts.join('; ')}`)));
    plot.append(g);
  }
  svg.append(plot);

  // x labels: as many as fit (about 56 px each), always the first and the last
  const every = Math.max(1, Math.ceil(56 / band));
  const xl = el('g', { class: 'chart-xlabels' });
  for (let i = 0; i < n; i++) {
    // every `every`-th label, and the last one when it does not crowd the one before it
    const last = i === n - 1 && (n - 1) % every >= Math.ceil(every * 0.75);
    if (i % every !== 0 && !last) continue;
    const cx = m.left + i * band + band / 2;
    xl.append(el('line', { class: 'chart-axis', x1: cx, x2: cx, y1: m.top + ih, y2: m.top + ih + 4 }));
    xl.append(el('text', { x: cx, y: m.top + ih + 18, 'text-anchor': 'middle', class: 'chart-tick' }, labels[i]));
  }
  svg.append(xl);

  // the line: segments between known points (a bucket without resolved dossiers has no rate)
  if (line) {
    const g = el('g', { class: `chart-line ${line.cls || ''}` });
    let d = '';
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = line.values[i];
      if (v === null || v === undefined || Number.isNaN(v)) { pen = false; continue; }
      const cx = m.left + i * band + band / 2;
      d += `${pen ? 'L' : 'M'}${cx.toFixed(2)} ${yp(v).toFixed(2)} `;
      pen = true;
    }
    if (d) g.append(el('path', { d: d.trim(), fill: 'none' }));
    if (band >= 6) {
      for (let i = 0; i < n; i++) {
        const v = line.values[i];
        if (v === null || v === undefined || Number.isNaN(v)) continue;
        g.append(el('circle', { cx: (m.left + i * band + band / 2).toFixed(2), cy: yp(v).toFixed(2), r: band >= 14 ? 3.5 : 2.5 }));
      }
    }
    svg.append(g);
  }
  return svg;
}

// Renders barLineSvg into container at its width and keeps it fitted; returns {destroy()}.
export function barLineChart(container, opts) {
  let last = 0;
  const draw = () => {
    const w = container.clientWidth || 800;
    if (Math.abs(w - last) < 2) return;
    last = w;
    container.replaceChildren(barLineSvg(w, opts));
  };
  draw();
  let ro = null;
  if (typeof ResizeObserver === 'function') {
    ro = new ResizeObserver(() => draw());
    ro.observe(container);
  }
  return { destroy() { if (ro) ro.disconnect(); } };
}
