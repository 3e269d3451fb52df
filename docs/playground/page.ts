/**
 * The parser playground's page: reads the controls of `playground.html`, runs the engine, and
 * shows the steps one at a time, with the bytes each one read or consumed.
 *
 * Strategy: one {@link PageState} holds everything the user chose (the bytes as typed, how they
 * are cut into reads, the limits, the step shown), and it lives in the address's hash, so a
 * link opens the same case. Any change re-runs the engine from the start (a run is cheap and
 * bounded) and redraws; moving between steps only moves the highlight. The byte spans are
 * built once per run.
 *
 * What it will not do: parse anything itself (`engine.ts` runs stage 02's parser), or talk to
 * the network: it works from a file served once, offline.
 */

import {
  decodeEscapes,
  DEFAULT_LIMITS,
  escapeByte,
  LIMIT_NAMES,
  MAX_INPUT_BYTES,
  MAX_STEPS,
  PRESETS,
  readsOf,
  RULES,
  runParser,
  type ParserLimits,
  type Split,
  type Step,
} from './engine.ts';

/** What the user chose; the address's hash holds it. */
interface PageState {
  input: string;
  split: Split;
  cuts: number[];
  limits: Partial<ParserLimits>;
  /** The step shown, from 0. */
  step: number;
}

/** The largest value a limit field takes. */
const MAX_LIMIT = 2 ** 31 - 1;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

// ---------------------------------------------------------------------------------------------
// The state in the address

function parseCuts(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const bad = parts.find((p) => !/^\d{1,7}$/.test(p));
  if (bad !== undefined) return `cut point '${bad.slice(0, 20)}' is not a byte offset: write whole numbers, such as 10, 24`;
  return parts.map(Number);
}

function stateFromHash(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const first = PRESETS[0]!;
  const split = q.get('reads');
  const cuts = parseCuts(q.get('cuts') ?? '');
  const limits: Partial<ParserLimits> = {};
  for (const name of LIMIT_NAMES) {
    const v = q.get(name);
    if (v !== null && /^\d{1,10}$/.test(v)) limits[name] = Number(v);
  }
  return {
    input: q.get('in') ?? first.input,
    split: split === 'bytes' || split === 'cuts' ? split : 'one',
    cuts: typeof cuts === 'string' ? [] : cuts,
    limits: q.has('in') ? limits : { ...first.limits },
    step: Math.max(0, Number(q.get('step') ?? '1') - 1) || 0,
  };
}

function hashOf(s: PageState): string {
  const q = new URLSearchParams();
  q.set('in', s.input);
  q.set('reads', s.split);
  if (s.split === 'cuts' && s.cuts.length) q.set('cuts', s.cuts.join(','));
  for (const name of LIMIT_NAMES) if (s.limits[name] !== undefined) q.set(name, String(s.limits[name]));
  q.set('step', String(s.step + 1));
  return '#' + q.toString();
}

// ---------------------------------------------------------------------------------------------
// Rendering

const KIND_LABEL: Record<Step['kind'], string> = { read: 'read', request: 'request', data: 'data', end: 'end', 'need-data': 'need-data', error: 'error' };

function summary(s: Step): string {
  switch (s.kind) {
    case 'read':
      return `read ${s.index + 1} of ${s.count}: ${s.to - s.from === 1 ? `byte ${s.from}` : `bytes ${s.from}–${s.to - 1}`}`;
    case 'request':
      return `${s.method} ${s.target} HTTP/${s.version} · ${s.headers.length} field${s.headers.length === 1 ? '' : 's'} · body: ${s.body}${s.body === 'length' ? ` ${s.contentLength}` : ''}`;
    case 'data':
      return `${s.length} byte${s.length === 1 ? '' : 's'}: ${s.text.length > 60 ? s.text.slice(0, 60) + '…' : s.text}`;
    case 'end':
      return `end of message · ${s.trailers.length ? `${s.trailers.length} trailer field${s.trailers.length === 1 ? '' : 's'}` : 'no trailers'}`;
    case 'need-data':
      return `state ${s.state}, ${s.buffered} byte${s.buffered === 1 ? '' : 's'} buffered`;
    case 'error':
      return `${s.status} · ${s.message} · ${s.section}`;
  }
}

function fieldTable(fields: ReadonlyArray<readonly [string, string]>, empty: string): HTMLElement {
  if (fields.length === 0) return el('p', { className: 'pg-muted' }, empty);
  const body = el('tbody', {}, ...fields.map(([n, v]) => el('tr', {}, el('td', {}, el('code', {}, n)), el('td', {}, el('code', {}, v)))));
  return el('table', { className: 'pg-fields' }, el('thead', {}, el('tr', {}, el('th', {}, 'name'), el('th', {}, 'value'))), body);
}

function facts(rows: Array<[string, string]>): HTMLElement {
  return el('dl', { className: 'pg-facts' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, el('code', {}, v))]));
}

function detail(s: Step): HTMLElement[] {
  const title = el('h3', {}, s.kind === 'end' ? 'end of message' : KIND_LABEL[s.kind]);
  switch (s.kind) {
    case 'read':
      return [title, el('p', {}, `One socket read: the connection hands the parser ${s.to - s.from === 1 ? `byte ${s.from}` : `bytes ${s.from} to ${s.to - 1}`} (receive), then calls next() until it answers need-data.`)];
    case 'request':
      return [
        title,
        facts([
          ['method', s.method],
          ['target', s.target],
          ['form', s.form],
          ['version', s.version],
          ['connection', s.connection],
          ['expectContinue', String(s.expectContinue)],
          ['body', s.body],
          ['contentLength', String(s.contentLength)],
        ]),
        fieldTable(s.headers, 'No header fields.'),
      ];
    case 'data':
      return [title, el('p', {}, `${s.length} byte${s.length === 1 ? '' : 's'} of the body, after chunked decoding:`), el('pre', {}, el('code', {}, s.text))];
    case 'end':
      return [title, fieldTable(s.trailers, 'No trailer fields.')];
    case 'need-data':
      return [title, el('p', {}, `The bytes so far finish no event: the parser waits for the next read (state ${s.state}, ${s.buffered} byte${s.buffered === 1 ? '' : 's'} buffered).`)];
    case 'error':
      return [
        title,
        facts([
          ['status', String(s.status)],
          ['code', s.code],
          ['message', s.message],
        ]),
        el('p', { className: 'pg-rule' }, el('strong', {}, s.section), s.says ? ` — ${s.says}` : ''),
        el('p', { className: 'pg-muted' }, 'The connection answers with this status and Connection: close, and reads nothing more.'),
      ];
  }
}

// ---------------------------------------------------------------------------------------------
// The page

let state: PageState;
let steps: Step[] = [];
let bytes: Uint8Array = new Uint8Array(0);
/** Where the reads start, for the cut marks. */
let cutsAt = new Set<number>();

/**
 * The page shows a window of the bytes and of the steps around the current step, never all of
 * them: a long input read byte by byte makes tens of thousands of each, and a DOM that large
 * takes the tab minutes to lay out.
 */
const BYTE_WINDOW = 4096;
const STEP_WINDOW = 400;
let byteWindow: [number, number] = [0, 0];
let byteSpans: HTMLElement[] = [];
let stepWindow: [number, number] = [0, 0];

function showMessage(text: string | null): void {
  const m = $('pg-message');
  m.hidden = text === null;
  m.textContent = text ?? '';
}

function limitsProblem(): string | null {
  for (const name of LIMIT_NAMES) {
    const input = $<HTMLInputElement>(`pg-${name}`);
    const v = input.value.trim();
    if (v === '') continue;
    if (!/^\d{1,10}$/.test(v) || Number(v) < 1 || Number(v) > MAX_LIMIT) return `${name} must be a whole number from 1 to ${MAX_LIMIT}`;
  }
  return null;
}

/** Runs the engine over the state and redraws everything. */
function rerun(): void {
  const decoded = decodeEscapes(state.input);
  const problem = decoded.ok ? limitsProblem() : decoded.error;
  byteWindow = stepWindow = [0, 0];
  if (!decoded.ok || problem !== null) {
    showMessage(problem);
    steps = [];
    bytes = new Uint8Array(0);
    $('pg-steps').replaceChildren();
    $('pg-bytes').replaceChildren();
    $('pg-detail').replaceChildren();
    updatePosition();
    writeHash();
    return;
  }
  bytes = decoded.bytes;
  const reads = readsOf(bytes.length, state.split, state.cuts);
  const run = runParser(bytes, reads, state.limits, MAX_STEPS);
  steps = run.steps;
  // byte by byte, every byte starts a read: marks would only clutter
  cutsAt = new Set(state.split === 'cuts' ? reads.slice(1).map(([from]) => from) : []);
  showMessage(
    bytes.length === 0
      ? 'No bytes yet: type some, or pick a preset.'
      : run.truncated
        ? `Stopped after ${MAX_STEPS} steps (${bytes.length} bytes): cut the bytes into fewer reads to see the rest.`
        : null,
  );
  state.step = Math.min(state.step, Math.max(0, steps.length - 1));
  if (steps.length === 0) {
    $('pg-steps').replaceChildren();
    $('pg-bytes').replaceChildren();
    $('pg-detail').replaceChildren();
  }
  showStep();
}

function updatePosition(): void {
  const n = steps.length;
  $('pg-position').textContent = n === 0 ? 'no steps' : `step ${state.step + 1} of ${n}`;
  $<HTMLButtonElement>('pg-prev').disabled = $<HTMLButtonElement>('pg-first').disabled = state.step <= 0;
  $<HTMLButtonElement>('pg-next').disabled = $<HTMLButtonElement>('pg-last').disabled = state.step >= n - 1;
}

/** Draws the bytes `[from, to)`, one span per byte, with a mark where each read starts. */
function drawBytes(from: number, to: number): void {
  const nodes: Node[] = [];
  if (from > 0) nodes.push(el('div', { className: 'pg-more' }, `… bytes 0–${from - 1} not shown`));
  byteSpans = [];
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    const span = el('span', { className: cutsAt.has(i) ? 'cut' : '', textContent: escapeByte(b), title: `byte ${i}: 0x${b.toString(16).padStart(2, '0')}` });
    span.dataset['offset'] = String(i);
    byteSpans.push(span);
    nodes.push(span);
    if (b === 0x0a) nodes.push(el('br'));
  }
  if (to < bytes.length) nodes.push(el('div', { className: 'pg-more' }, `… bytes ${to}–${bytes.length - 1} not shown`));
  $('pg-bytes').replaceChildren(...nodes);
  byteWindow = [from, to];
}

/** Draws the steps `[from, to)`. */
function drawSteps(from: number, to: number): void {
  const items: HTMLElement[] = [];
  if (from > 0) items.push(el('li', { className: 'pg-more' }, `… ${from} earlier step${from === 1 ? '' : 's'}`));
  for (let i = from; i < to; i++) {
    const s = steps[i]!;
    const li = el('li', { className: `pg-step pg-${s.kind}` }, el('span', { className: 'pg-kind' }, KIND_LABEL[s.kind]), ' ', el('span', { className: 'pg-summary' }, summary(s)));
    li.dataset['kind'] = s.kind;
    li.dataset['index'] = String(i);
    items.push(li);
  }
  if (to < steps.length) items.push(el('li', { className: 'pg-more' }, `… ${steps.length - to} later step${steps.length - to === 1 ? '' : 's'}`));
  $('pg-steps').replaceChildren(...items);
  stepWindow = [from, to];
}

/** Shows the current step: its place in the list, its bytes, its details. */
function showStep(): void {
  updatePosition();
  writeHash();
  const at = state.step;
  const s = steps[at];
  if (s === undefined) return;

  if (at < stepWindow[0] || at >= stepWindow[1]) {
    const from = Math.max(0, Math.min(at - STEP_WINDOW / 4, steps.length - STEP_WINDOW));
    drawSteps(from, Math.min(steps.length, from + STEP_WINDOW));
  }
  const pane = $('pg-steps');
  pane.querySelector('[aria-current]')?.removeAttribute('aria-current');
  const li = pane.querySelector<HTMLElement>(`li[data-index="${at}"]`)!;
  li.setAttribute('aria-current', 'step');
  // scroll the list, not the page: stepping must not move what the reader is looking at
  if (li.offsetTop < pane.scrollTop) pane.scrollTop = li.offsetTop;
  else if (li.offsetTop + li.offsetHeight > pane.scrollTop + pane.clientHeight) pane.scrollTop = li.offsetTop + li.offsetHeight - pane.clientHeight;

  // what has been received by this step: up to the end of the last read at or before it
  let received = 0;
  for (let i = at; i >= 0; i--) {
    const r = steps[i]!;
    if (r.kind === 'read') {
      received = r.to;
      break;
    }
  }
  const anchor = Math.min(s.from, Math.max(0, bytes.length - 1));
  if (anchor < byteWindow[0] || anchor >= byteWindow[1]) {
    const from = Math.max(0, Math.min(anchor - BYTE_WINDOW / 4, bytes.length - BYTE_WINDOW));
    drawBytes(from, Math.min(bytes.length, from + BYTE_WINDOW));
  }
  const cls = s.kind === 'read' ? 'pg-read' : s.kind === 'error' ? 'pg-bad' : 'pg-cur';
  for (const [k, span] of byteSpans.entries()) {
    const i = byteWindow[0] + k;
    span.classList.toggle('pg-future', i >= received);
    span.classList.toggle('pg-read', cls === 'pg-read' && i >= s.from && i < s.to);
    span.classList.toggle('pg-cur', cls === 'pg-cur' && i >= s.from && i < s.to);
    span.classList.toggle('pg-bad', cls === 'pg-bad' && i >= s.from && i < s.to);
  }
  $('pg-detail').replaceChildren(...detail(s));
}

function go(step: number): void {
  if (steps.length === 0) return;
  state.step = Math.min(Math.max(step, 0), steps.length - 1);
  showStep();
}

let lastHash = '';

function writeHash(): void {
  lastHash = hashOf(state);
  if (location.hash !== lastHash) history.replaceState(null, '', lastHash);
}

/** Puts the state into the controls. */
function fillControls(): void {
  $<HTMLTextAreaElement>('pg-input').value = state.input;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="pg-split"]')) r.checked = r.value === state.split;
  $<HTMLInputElement>('pg-cuts').value = state.cuts.join(', ');
  for (const name of LIMIT_NAMES) $<HTMLInputElement>(`pg-${name}`).value = state.limits[name] === undefined ? '' : String(state.limits[name]);
  const preset = PRESETS.find((p) => p.input === state.input);
  $<HTMLSelectElement>('pg-preset').value = preset?.id ?? '';
}

function readLimits(): void {
  const limits: Partial<ParserLimits> = {};
  for (const name of LIMIT_NAMES) {
    const v = $<HTMLInputElement>(`pg-${name}`).value.trim();
    if (/^\d{1,10}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_LIMIT) limits[name] = Number(v);
  }
  state.limits = limits;
}

function setup(): void {
  const select = $<HTMLSelectElement>('pg-preset');
  select.append(el('option', { value: '', textContent: 'your own bytes' }), ...PRESETS.map((p) => el('option', { value: p.id, textContent: p.label })));
  $('pg-limits').append(
    ...LIMIT_NAMES.map((name) =>
      el('label', {}, el('code', {}, name), el('input', { id: `pg-${name}`, type: 'text', inputMode: 'numeric', placeholder: `${DEFAULT_LIMITS[name]} (default)` })),
    ),
  );
  $('pg-rules').append(...RULES.map((r) => el('tr', {}, el('td', {}, el('code', {}, r.message)), el('td', {}, r.section), el('td', {}, r.says))));
  $<HTMLTextAreaElement>('pg-input').maxLength = MAX_INPUT_BYTES * 4 + 10_000;

  state = stateFromHash(location.hash);
  fillControls();
  rerun();

  select.addEventListener('change', () => {
    const preset = PRESETS.find((p) => p.id === select.value);
    if (preset === undefined) return;
    state = { ...state, input: preset.input, cuts: [], limits: { ...preset.limits }, step: 0 };
    fillControls();
    rerun();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  $('pg-input').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.input = $<HTMLTextAreaElement>('pg-input').value;
      state.step = 0;
      select.value = PRESETS.find((p) => p.input === state.input)?.id ?? '';
      rerun();
    }, 150);
  });
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="pg-split"]')) {
    r.addEventListener('change', () => {
      state.split = r.value as Split;
      state.step = 0;
      rerun();
    });
  }
  $('pg-cuts').addEventListener('change', () => {
    const cuts = parseCuts($<HTMLInputElement>('pg-cuts').value);
    if (typeof cuts === 'string') return showMessage(cuts);
    state.cuts = cuts;
    state.split = 'cuts';
    state.step = 0;
    fillControls();
    rerun();
  });
  $('pg-limits').addEventListener('change', () => {
    readLimits();
    state.step = 0;
    rerun();
  });
  $('pg-bytes').addEventListener('click', (e) => {
    const offset = Number((e.target as HTMLElement).dataset['offset']);
    if (!Number.isInteger(offset) || offset === 0) return;
    const cuts = state.split === 'cuts' ? state.cuts : [];
    state.cuts = cuts.includes(offset) ? cuts.filter((c) => c !== offset) : [...cuts, offset].sort((a, b) => a - b);
    state.split = 'cuts';
    state.step = 0;
    fillControls();
    rerun();
  });
  $('pg-steps').addEventListener('click', (e) => {
    const li = (e.target as HTMLElement).closest<HTMLElement>('li[data-index]');
    if (li) go(Number(li.dataset['index']));
  });
  $('pg-first').addEventListener('click', () => go(0));
  $('pg-prev').addEventListener('click', () => go(state.step - 1));
  $('pg-next').addEventListener('click', () => go(state.step + 1));
  $('pg-last').addEventListener('click', () => go(steps.length - 1));
  document.addEventListener('keydown', (e) => {
    if ((e.target as HTMLElement).closest('input, textarea, select') || e.altKey || e.ctrlKey || e.metaKey) return;
    const to = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: steps.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    go(to);
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === lastHash) return;
    state = stateFromHash(location.hash);
    fillControls();
    rerun();
  });
  document.documentElement.dataset['playground'] = 'ready';
}

declare global {
  /** The engine, for the tests (and for a curious reader, in the browser's console). */
  var nibiruPlayground: { decodeEscapes: typeof decodeEscapes; readsOf: typeof readsOf; runParser: typeof runParser; PRESETS: typeof PRESETS };
}
globalThis.nibiruPlayground = { decodeEscapes, readsOf, runParser, PRESETS };

setup();
