/**
 * The charts of `bench:compare`, as self-contained SVG written by hand (no chart library: a
 * few hundred elements).
 *
 * Strategy: a chart shows the spread, not just a median. {@link roundsChart} puts the
 * connection counts on an axis spaced by value (50 sits halfway between 0 and 100), draws one
 * line per target through the medians, a whisker from the lowest to the highest round, and
 * every round as a dot; the targets are nudged sideways so that their whiskers do not hide
 * each other. {@link barChart} draws one group of bars per target (the median), with the same
 * whiskers and dots. Every mark has a `<title>` with its figures, which a browser shows on
 * hover.
 */

import { median } from './stats.ts';

/** One target of a {@link roundsChart}. */
export interface Series {
  readonly name: string;
  /** Per x value, in the order of the x axis, every round's figure; an empty list leaves a gap. */
  readonly rounds: readonly (readonly number[])[];
}

/** One bar of a {@link barChart}: a label (e.g. `-c 50`) and every round's figure. */
export interface Bar {
  readonly label: string;
  readonly rounds: readonly number[];
}

/** One group of bars (one target). */
export interface BarGroup {
  readonly name: string;
  readonly bars: readonly Bar[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (n: number): string => n.toFixed(1);
const num = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A round step for about five ticks up to `max`. */
function niceStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

interface Frame {
  readonly out: string[];
  readonly left: number;
  readonly top: number;
  readonly plotW: number;
  readonly plotH: number;
  readonly y: (v: number) => number;
}

/** The background, titles, y grid and axes shared by both charts. */
function frame(title: string, subtitle: string, yLabel: string, yMaxData: number, width: number, legendW: number): Frame {
  const H = 460;
  const left = 80;
  const top = 64;
  const bottom = 56;
  const plotW = width - left - legendW;
  const plotH = H - top - bottom;
  const step = niceStep(Math.max(1, yMaxData));
  const yMax = Math.max(step, Math.ceil(Math.max(1, yMaxData) / step) * step);
  const y = (v: number): number => top + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle)}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${left}" y1="${f1(y(v))}" x2="${left + plotW}" y2="${f1(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${f1(y(v) + 4)}" text-anchor="end">${num(v)}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return { out, left, top, plotW, plotH, y };
}

/** A whisker from the lowest to the highest round, and a dot per round. */
function spread(out: string[], x: number, rounds: readonly number[], y: (v: number) => number, color: string, what: string): void {
  if (rounds.length === 0) return;
  const lo = Math.min(...rounds);
  const hi = Math.max(...rounds);
  out.push(`<line x1="${f1(x)}" y1="${f1(y(lo))}" x2="${f1(x)}" y2="${f1(y(hi))}" stroke="${color}" stroke-width="1.5"><title>${esc(`${what}: ${num(lo)} to ${num(hi)} over ${rounds.length} round(s)`)}</title></line>`);
  for (const end of [lo, hi]) out.push(`<line x1="${f1(x - 4)}" y1="${f1(y(end))}" x2="${f1(x + 4)}" y2="${f1(y(end))}" stroke="${color}" stroke-width="1.5"/>`);
  rounds.forEach((v, i) => {
    out.push(`<circle cx="${f1(x)}" cy="${f1(y(v))}" r="2.5" fill="#fff" stroke="${color}"><title>${esc(`${what}, round ${i + 1}: ${num(v)}`)}</title></circle>`);
  });
}

/**
 * Requests/s (or any figure) by connection count, one line per target through the medians,
 * with every round shown.
 *
 * @param xs the connection counts, placed on the axis by value.
 */
export function roundsChart(title: string, subtitle: string, yLabel: string, xs: readonly number[], series: readonly Series[]): string {
  const all = series.flatMap((s) => s.rounds.flat()).filter(Number.isFinite);
  const W = 800;
  const fr = frame(title, subtitle, yLabel, Math.max(1, ...all), W, 200);
  const { out, left, top, plotW, plotH, y } = fr;
  const xMax = Math.max(1, ...xs);
  const pad = 24;
  const x = (c: number): number => left + pad + (c / xMax) * (plotW - 2 * pad);
  for (const c of xs) {
    out.push(`<line x1="${f1(x(c))}" y1="${top + plotH}" x2="${f1(x(c))}" y2="${top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${f1(x(c))}" y="${top + plotH + 20}" text-anchor="middle">${c}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 42}" text-anchor="middle">connections (spaced by value); line: median; whisker: lowest to highest round; dots: every round</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const dash = s.name.startsWith('node:') ? ' stroke-dasharray="6 4"' : '';
    // nudge each target sideways so that whiskers at the same x stay apart
    const nudge = (k - (series.length - 1) / 2) * 5;
    const pts = xs
      .map((c, i) => ({ c, m: median(s.rounds[i] ?? []) }))
      .filter((p) => Number.isFinite(p.m))
      .map((p) => `${f1(x(p.c) + nudge)},${f1(y(p.m))}`);
    if (pts.length > 1) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    xs.forEach((c, i) => spread(out, x(c) + nudge, s.rounds[i] ?? [], y, color, `${s.name} -c ${c}`));
    const ly = top + 10 + k * 22;
    out.push(`<line x1="${left + plotW + 20}" y1="${ly}" x2="${left + plotW + 46}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${left + plotW + 52}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** One group of bars per target (the median of the rounds), with every round shown. */
export function barChart(title: string, subtitle: string, yLabel: string, groups: readonly BarGroup[]): string {
  const all = groups.flatMap((g) => g.bars.flatMap((b) => b.rounds)).filter(Number.isFinite);
  const labels = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const W = 800;
  const fr = frame(title, subtitle, yLabel, Math.max(1, ...all), W, 130);
  const { out, left, top, plotW, plotH, y } = fr;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(28, (groupW * 0.8) / Math.max(1, labels.length));
  groups.forEach((g, gi) => {
    const cx = left + groupW * (gi + 0.5);
    const x0 = cx - (barW * labels.length) / 2;
    g.bars.forEach((b) => {
      const li = labels.indexOf(b.label);
      const color = COLORS[li % COLORS.length]!;
      const m = median(b.rounds);
      const bx = x0 + li * barW;
      if (Number.isFinite(m)) {
        out.push(`<rect x="${f1(bx + 1)}" y="${f1(y(m))}" width="${f1(barW - 2)}" height="${f1(top + plotH - y(m))}" fill="${color}" fill-opacity="0.35" stroke="${color}"><title>${esc(`${g.name} ${b.label}: median ${num(m)}`)}</title></rect>`);
      }
      spread(out, bx + barW / 2, b.rounds, y, color, `${g.name} ${b.label}`);
    });
    out.push(`<text x="${f1(cx)}" y="${top + plotH + 18}" text-anchor="middle">${esc(g.name)}</text>`);
  });
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 42}" text-anchor="middle">bar: median; whisker: lowest to highest round; dots: every round</text>`);
  labels.forEach((label, li) => {
    const color = COLORS[li % COLORS.length]!;
    const ly = top + 10 + li * 22;
    out.push(`<rect x="${left + plotW + 20}" y="${ly - 7}" width="14" height="14" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`);
    out.push(`<text x="${left + plotW + 40}" y="${ly + 4}">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
