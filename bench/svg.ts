/**
 * The `bench:compare` chart: requests/s by concurrency, one line per stage and reference,
 * as a self-contained SVG written by hand (no chart library: a few dozen elements).
 */

/** One line of the chart. */
export interface Series {
  readonly name: string;
  /** Points in the order of the x axis; NaN leaves a gap. */
  readonly values: readonly number[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step for about five ticks up to `max`. */
export function niceStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

/**
 * Draws the chart.
 *
 * @param xs the x-axis labels (concurrencies), evenly spaced.
 */
export function lineChart(title: string, subtitle: string, xs: readonly number[], series: readonly Series[]): string {
  const W = 760;
  const H = 440;
  const left = 70;
  const right = 190;
  const top = 60;
  const bottom = 50;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const step = niceStep(Math.max(1, ...finite));
  const yMax = Math.max(step, Math.ceil(Math.max(1, ...finite) / step) * step);
  const x = (i: number): number => left + (xs.length === 1 ? plotW / 2 : (i * plotW) / (xs.length - 1));
  const y = (v: number): number => top + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${left}" y="42" fill="#555">${esc(subtitle)}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v).toLocaleString('en-US')}</text>`);
  }
  xs.forEach((c, i) => {
    out.push(`<line x1="${x(i).toFixed(1)}" y1="${top + plotH}" x2="${x(i).toFixed(1)}" y2="${top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(i).toFixed(1)}" y="${top + plotH + 20}" text-anchor="middle">${c}</text>`);
  });
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${H - 10}" text-anchor="middle">connections (concurrency)</text>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">requests/s</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const dash = s.name.startsWith('node:') ? ' stroke-dasharray="6 4"' : '';
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
    if (pts.length > 1) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(s.name)} -c ${xs[i]}: ${Math.round(v)} req/s</title></circle>`);
    });
    const ly = top + 10 + k * 22;
    out.push(`<line x1="${left + plotW + 20}" y1="${ly}" x2="${left + plotW + 46}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${left + plotW + 52}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
