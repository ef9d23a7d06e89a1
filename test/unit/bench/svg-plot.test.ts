/** The benchmark's hand-written SVG chart: ticks, escaping, scales, and a well-formed document. */
import { describe, expect, it } from '@jest/globals';
import { escapeXml, formatTick, niceTicks, renderChart, renderPanel, type Panel } from '../../../bench/svg-plot.ts';

/** Every element opened is closed (self-closing ones aside), in order. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

const attr = (el: string, name: string) => Number(new RegExp(`${name}="([^"]+)"`).exec(el)![1]);

const panel = (over: Partial<Panel> = {}): Panel => ({
  title: 'Time',
  xLabel: 'N',
  yLabel: 's',
  series: [
    { name: 'operator', color: '#111', points: [[100, 8], [1000, 50], [300, 20]] },
    { name: 'floor', color: '#222', dashed: true, points: [[100, 7], [300, 12], [1000, 27]] },
  ],
  ...over,
});

describe('niceTicks', () => {
  it.each([
    [50.9, [0, 20, 40, 60]],
    [45, [0, 10, 20, 30, 40, 50]],
    [561, [0, 200, 400, 600]],
    [1.88, [0, 0.5, 1, 1.5, 2]],
    [100, [0, 20, 40, 60, 80, 100]],
  ])('covers %p from 0 with steps of 1, 2 or 5 × 10^k', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });

  it('gives a unit axis for no data, zero or non-finite maxima', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
    expect(niceTicks(Number.POSITIVE_INFINITY)).toEqual([0, 1]);
  });
});

describe('formatTick and escapeXml', () => {
  it('writes thousands as k and keeps two decimals at most', () => {
    expect([formatTick(1000), formatTick(20), formatTick(1500), formatTick(0.3333)]).toEqual(['1k', '20', '1500', '0.33']);
  });

  it('escapes the XML specials in labels', () => {
    expect(escapeXml(`a<b & "c">`)).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });
});

describe('renderPanel', () => {
  it('draws each series as a polyline through its points in x order, dashed when asked', () => {
    const svg = renderPanel(panel(), { x: 0, y: 0, w: 400, h: 300 });
    const lines = [...svg.matchAll(/<polyline[^>]*>/g)].map((m) => m[0]);
    expect(lines).toHaveLength(2);
    const xs = /points="([^"]+)"/.exec(lines[0]!)![1]!.split(' ').map((p) => Number(p.split(',')[0]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(lines[1]).toContain('stroke-dasharray');
    expect(svg.match(/<circle /g)).toHaveLength(6);
  });

  it('puts larger values higher and a log x axis spaces 100, 300, 1000 by their logarithms', () => {
    const svg = renderPanel(panel({ logX: true }), { x: 0, y: 0, w: 400, h: 300 });
    const circles = [...svg.matchAll(/<circle [^>]*>/g)].map((m) => ({ cx: attr(m[0], 'cx'), cy: attr(m[0], 'cy') }));
    const [a, b, c] = circles.slice(0, 3); // operator at 100, 300, 1000
    expect(a!.cy).toBeGreaterThan(b!.cy);
    expect(b!.cy).toBeGreaterThan(c!.cy);
    expect((b!.cx - a!.cx) / (c!.cx - a!.cx)).toBeCloseTo(Math.log10(3), 2);
  });

  it('skips points that cannot be drawn (NaN, x <= 0 on a log axis) and draws a single point without a line', () => {
    const svg = renderPanel(
      panel({ logX: true, series: [{ name: 'one', color: '#000', points: [[0, 1], [10, Number.NaN], [100, 5]] }] }),
      { x: 0, y: 0, w: 400, h: 300 },
    );
    expect(svg).not.toContain('<polyline');
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toContain('NaN');
  });

  it('draws reference lines with their label, and the y axis reaches them', () => {
    const svg = renderPanel(panel({ refLines: [{ y: 200, label: 'target peak 200 MB' }] }), { x: 0, y: 0, w: 400, h: 300 });
    expect(svg).toContain('target peak 200 MB');
    expect(svg).toContain('>200</text>');
  });
});

describe('renderChart', () => {
  it('is a well-formed SVG document with panels side by side and the labels escaped', () => {
    const svg = renderChart('operator & floor', [panel(), panel({ title: 'RSS <MB>' })], { note: 'run "x"' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('width="920"');
    expect(svg).toContain('operator &amp; floor');
    expect(svg).toContain('RSS &lt;MB&gt;');
    expect(svg).toContain('run &quot;x&quot;');
    expect(wellFormed(svg)).toBe(true);
  });
});
