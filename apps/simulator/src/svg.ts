// Small, dependency-free SVG charts for the self-contained HTML reports (no script, no external asset).

/** Colours for series, in order (colour-blind-safe Okabe–Ito). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const W = 520;
const H = 300;
const M = { top: 34, right: 16, bottom: 58, left: 52 };

/** Escapes text for HTML and SVG. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);

function frame(title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><text x="${W / 2}" y="18" text-anchor="middle" font-weight="600">${esc(title)}</text>${body}</svg>`;
}

function scale(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const span = d1 - d0 || 1;
  return (v: number) => range[0] + ((v - d0) / span) * (range[1] - range[0]);
}

function yAxis(domain: [number, number], y: (v: number) => number, label: string): string {
  const ticks = Array.from({ length: 5 }, (_, i) => domain[0] + ((domain[1] - domain[0]) * i) / 4);
  const lines = ticks
    .map(
      (t) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${fmt(t)}</text>`,
    )
    .join('');
  return `${lines}<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(label)}</text>`;
}

function legend(names: readonly string[]): string {
  return names
    .map((name, i) => {
      const x = M.left + i * Math.min(120, (W - M.left) / names.length);
      return `<rect x="${x}" y="${H - 18}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 14}" y="${H - 9}" font-size="11">${esc(name)}</text>`;
    })
    .join('');
}

/** Padded [min, max] of finite values, always including the given anchors. */
function extent(values: readonly (number | null)[], anchors: readonly number[] = []): [number, number] {
  const finite = [...values.filter((v): v is number => v !== null && Number.isFinite(v)), ...anchors];
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo - pad, hi + pad];
}

/** One line per series over numeric x (e.g. AUC per round). */
export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: [number, number | null][] }[];
}): string {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const xDomain: [number, number] = [Math.min(...xs, 1), Math.max(...xs, 1)];
  const yDomain = extent(o.series.flatMap((s) => s.points.map((p) => p[1])));
  const x = scale(xDomain, [M.left, W - M.right]);
  const y = scale(yDomain, [H - M.bottom, M.top]);
  const paths = o.series
    .map((s, i) => {
      const pts = s.points.filter((p): p is [number, number] => p[1] !== null);
      const colour = PALETTE[i % PALETTE.length];
      const d = pts
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join('');
      const dots = pts
        .map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${colour}"/>`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
    })
    .join('');
  const xTicks = [...new Set(xs)]
    .map((t) => `<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`)
    .join('');
  const xTitle = `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 32}" text-anchor="middle" font-size="12">${esc(o.xLabel)}</text>`;
  return frame(
    o.title,
    yAxis(yDomain, y, o.yLabel) + xTicks + xTitle + paths + legend(o.series.map((s) => s.name)),
  );
}

/** Grouped bars: one group per category, one bar per series; negative values hang below zero. */
export function barChart(o: {
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
  /** Values always inside the y range (e.g. 0, or 0.5 for AUC). */
  anchors?: number[];
}): string {
  const yDomain = extent(
    o.series.flatMap((s) => s.values),
    o.anchors ?? [0],
  );
  const y = scale(yDomain, [H - M.bottom, M.top]);
  const groupWidth = (W - M.left - M.right) / Math.max(1, o.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, o.series.length);
  const base = y(Math.max(yDomain[0], Math.min(yDomain[1], 0)));
  const bars = o.categories
    .map((category, c) => {
      const x0 = M.left + c * groupWidth + groupWidth * 0.1;
      const label = `<text x="${x0 + groupWidth * 0.4}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${esc(category)}</text>`;
      const rects = o.series
        .map((s, i) => {
          const v = s.values[c];
          if (v === null || v === undefined || !Number.isFinite(v)) return '';
          const top = Math.min(y(v), base);
          const height = Math.max(0.5, Math.abs(y(v) - base));
          return `<rect x="${(x0 + i * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${s.name} · ${category}: ${v.toFixed(3)}`)}</title></rect>`;
        })
        .join('');
      return label + rects;
    })
    .join('');
  return frame(o.title, yAxis(yDomain, y, o.yLabel) + bars + legend(o.series.map((s) => s.name)));
}

/** A scatter plot of 2-D points coloured by a binary label (grey where missing). */
export function scatterPlot(o: {
  title: string;
  points: [number, number][];
  labels: (0 | 1 | null)[];
}): string {
  const x = scale(extent(o.points.map((p) => p[0])), [M.left, W - M.right]);
  const y = scale(extent(o.points.map((p) => p[1])), [H - M.bottom, M.top]);
  const colour = (label: 0 | 1 | null | undefined) =>
    label === 1 ? PALETTE[1] : label === 0 ? PALETTE[0] : '#bbb';
  const dots = o.points
    .map(
      (p, i) =>
        `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${colour(o.labels[i])}" fill-opacity="0.7"/>`,
    )
    .join('');
  const axes = `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 20}" text-anchor="middle" font-size="12">PC 1</text><text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">PC 2</text>`;
  return frame(o.title, axes + dots + legend(['negative', 'positive']));
}
