/**
 * A small hand-written SVG line chart for the benchmark's results: panels side by side, each with a linear y axis
 * from 0, a linear or logarithmic x axis ticked at the x values of the data, lines with point markers, dashed
 * reference lines (targets), and a legend under the plot. No dependency and no browser: the SVG is a string.
 */

export interface Series {
  name: string;
  /** [x, y] pairs; drawn in x order. NaN or missing y values are skipped. */
  points: readonly (readonly [number, number])[];
  color: string;
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** A logarithmic x axis (all x must be > 0). */
  logX?: boolean;
  /** Horizontal reference lines, e.g. a target. */
  refLines?: readonly { y: number; label: string }[];
}

/** Colours that stay apart for the few series of a panel. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'] as const;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round upper bound for an axis from 0 and its ticks: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= rough)!;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 2; i++) ticks.push(round6(i * step));
  return ticks;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A tick label: integers as they are, thousands as "1k", other numbers with up to 2 decimals. */
export function formatTick(v: number): string {
  if (v >= 1000 && v % 1000 === 0) return `${v / 1000}k`;
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 100) / 100);
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const num = (v: number) => String(Math.round(v * 10) / 10);

/**
 * One panel inside `box` (plot area plus its axes, title and legend). `legendRows` reserves room for that many legend
 * lines (default: this panel's), so that panels side by side get plot areas of the same height.
 */
export function renderPanel(p: Panel, box: Box, legendRows = p.series.length): string {
  const margin = { left: 56, right: 16, top: 28, bottom: 44 + 16 * legendRows };
  const plot = { x: box.x + margin.left, y: box.y + margin.top, w: box.w - margin.left - margin.right, h: box.h - margin.top - margin.bottom };
  const valid = (pt: readonly [number, number]) => Number.isFinite(pt[0]) && Number.isFinite(pt[1]) && (!p.logX || pt[0] > 0);
  const all = p.series.flatMap((s) => s.points.filter(valid));
  const xs = [...new Set(all.map((pt) => pt[0]))].sort((a, b) => a - b);
  const yTicks = niceTicks(Math.max(0, ...all.map((pt) => pt[1]), ...(p.refLines ?? []).map((r) => r.y)));
  const yMax = yTicks.at(-1)!;
  const xMin = xs[0] ?? 0;
  const xMax = xs.at(-1) ?? 1;
  const fx = (x: number): number => {
    if (xMin === xMax) return plot.x + plot.w / 2;
    const t = p.logX ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin);
    // 6 % padding on both sides so that the end points do not sit on the axes
    return plot.x + plot.w * (0.06 + 0.88 * t);
  };
  const fy = (y: number) => plot.y + plot.h - (plot.h * y) / yMax;
  const out: string[] = [];
  out.push(`<text x="${num(box.x + box.w / 2)}" y="${num(box.y + 18)}" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(p.title)}</text>`);
  out.push(`<rect x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}" fill="none" stroke="#444"/>`);
  for (const t of yTicks) {
    out.push(`<line x1="${num(plot.x)}" y1="${num(fy(t))}" x2="${num(plot.x + plot.w)}" y2="${num(fy(t))}" stroke="#ddd"/>`);
    out.push(`<text x="${num(plot.x - 6)}" y="${num(fy(t) + 4)}" text-anchor="end" font-size="11">${formatTick(t)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${num(fx(x))}" y1="${num(plot.y)}" x2="${num(fx(x))}" y2="${num(plot.y + plot.h)}" stroke="#eee"/>`);
    out.push(`<text x="${num(fx(x))}" y="${num(plot.y + plot.h + 15)}" text-anchor="middle" font-size="11">${formatTick(x)}</text>`);
  }
  out.push(`<text x="${num(plot.x + plot.w / 2)}" y="${num(plot.y + plot.h + 32)}" text-anchor="middle" font-size="12">${escapeXml(p.xLabel + (p.logX ? ' (log scale)' : ''))}</text>`);
  const yLabelX = box.x + 14;
  const yLabelY = plot.y + plot.h / 2;
  out.push(`<text x="${num(yLabelX)}" y="${num(yLabelY)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${num(yLabelX)} ${num(yLabelY)})">${escapeXml(p.yLabel)}</text>`);
  for (const r of p.refLines ?? []) {
    out.push(`<line x1="${num(plot.x)}" y1="${num(fy(r.y))}" x2="${num(plot.x + plot.w)}" y2="${num(fy(r.y))}" stroke="#888" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${num(plot.x + 4)}" y="${num(fy(r.y) - 4)}" font-size="10" fill="#666">${escapeXml(r.label)}</text>`);
  }
  p.series.forEach((s, i) => {
    const pts = s.points.filter(valid).toSorted((a, b) => a[0] - b[0]);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${num(fx(x))},${num(fy(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${num(fx(x))}" cy="${num(fy(y))}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.name}: ${formatTick(y)} at ${formatTick(x)}`)}</title></circle>`);
    const ly = plot.y + plot.h + 50 + 16 * i;
    out.push(`<line x1="${num(plot.x)}" y1="${num(ly - 4)}" x2="${num(plot.x + 24)}" y2="${num(ly - 4)}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${num(plot.x + 30)}" y="${num(ly)}" font-size="11">${escapeXml(s.name)}</text>`);
  });
  return out.join('\n');
}

/** A whole SVG document: a title line, then the panels side by side, and an optional note at the bottom. */
export function renderChart(title: string, panels: readonly Panel[], opts: { panelWidth?: number; panelHeight?: number; note?: string } = {}): string {
  const pw = opts.panelWidth ?? 460;
  const ph = opts.panelHeight ?? 380;
  const width = pw * panels.length;
  const height = ph + 30 + (opts.note ? 20 : 0);
  const legendRows = Math.max(0, ...panels.map((p) => p.series.length));
  const body = panels.map((p, i) => renderPanel(p, { x: i * pw, y: 30, w: pw, h: ph }, legendRows)).join('\n');
  const note = opts.note ? `\n<text x="8" y="${height - 6}" font-size="10" fill="#555">${escapeXml(opts.note)}</text>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${escapeXml(title)}</text>\n` +
    `${body}${note}\n</svg>\n`
  );
}
