/** Markdown tables, aligned so they read well in a terminal too, and the numbers in them. */

import type { Spread } from './stats.ts';

/** Renders rows as a Markdown table; numbers are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^[-+]?[\d,.]+\s*(%|ms|s|×)?$/.test(String(r[i]))));
  const line = (r: readonly string[]): string =>
    `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n') + '\n';
}

/** A number with thousands separators and sensible decimals. */
export function fmt(n: number, decimals?: number): string {
  if (!Number.isFinite(n)) return '—';
  const d = decimals ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** `12,345 (11,000–13,002)`: a median and its range, to `digits` decimals; the median alone when the range rounds to it. */
export function spreadText(s: Spread | undefined, digits?: number): string {
  if (!s || s.n === 0) return '—';
  const [median, min, max] = [s.median, s.min, s.max].map((n) => fmt(n, digits));
  return min === max ? median! : `${median} (${min}–${max})`;
}
