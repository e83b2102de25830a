// Progress bars and live logs that behave in JupyterLab: one display entry updated in place, throttled, so a
// long loop never floods the kernel with output messages (tslab stalls past a few hundred unyielded outputs).
// Outside a notebook they write to stderr: a carriage-return line on a terminal, a line every few seconds otherwise.
import { escapeHtml, InPlaceDisplay, newDisplay } from "./notebookDisplay";

export type Postfix = Record<string, string | number>;

export interface ProgressOptions {
  total: number;
  description: string;
  unit?: string;
  /** Minimum milliseconds between two redraws (at least 100). */
  throttleMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatValue(v: string | number): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

export class ProgressBar {
  readonly total: number;
  readonly description: string;
  readonly unit: string;
  private done = 0;
  private postfix: Postfix = {};
  private readonly start = Date.now();
  private lastDraw = 0;
  private lastTextLine = 0;
  private readonly throttleMs: number;
  private readonly display: InPlaceDisplay | null;
  private closed = false;

  constructor(opts: ProgressOptions) {
    this.total = Math.max(0, opts.total);
    this.description = opts.description;
    this.unit = opts.unit ?? "it";
    this.throttleMs = Math.max(100, opts.throttleMs ?? 250);
    this.display = newDisplay();
    this.draw(true);
  }

  /** Sets the number of finished units (absolute) and optional key/value figures shown after the bar. */
  update(done: number, postfix?: Postfix): void {
    this.done = Math.min(done, this.total || done);
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    this.draw(false);
  }

  /** Adds `n` finished units. */
  tick(n = 1, postfix?: Postfix): void {
    this.update(this.done + n, postfix);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.start) / 1000;
  }

  /** Draws the final state (always, ignoring the throttle). */
  close(postfix?: Postfix): void {
    if (this.closed) return;
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    this.closed = true;
    this.draw(true);
    if (!this.display && process.stderr.isTTY) process.stderr.write("\n");
  }

  /** The current state as one line of text, tqdm-like. */
  line(): string {
    const elapsed = this.elapsedSeconds;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const pct = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
    const rateText = rate >= 1 || rate === 0 ? `${rate.toFixed(2)} ${this.unit}/s` : `${(1 / rate).toFixed(2)} s/${this.unit}`;
    const extra = Object.entries(this.postfix).map(([k, v]) => `${k}=${formatValue(v)}`).join(", ");
    return `${this.description}: ${String(pct).padStart(3)}% ${this.done}/${this.total} [${formatDuration(elapsed)}<${formatDuration(eta)}, ${rateText}]${extra ? " " + extra : ""}`;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < this.throttleMs && this.done < this.total) return;
    this.lastDraw = now;
    const text = this.line();
    if (this.display) {
      const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
      this.display.html(
        `<div class="bert-imdb-progress" data-done="${this.done}" data-total="${this.total}" style="font-family:monospace">` +
          `<progress value="${this.done}" max="${this.total || 1}" style="width:24em;vertical-align:middle"></progress> ` +
          `<span>${escapeHtml(text)}</span><span style="display:none">${pct.toFixed(1)}%</span></div>`,
      );
    } else if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}`);
    } else if (force || now - this.lastTextLine >= 5000 || this.done >= this.total) {
      this.lastTextLine = now;
      process.stderr.write(`${text}\n`);
    }
  }
}

export function progressBar(opts: ProgressOptions): ProgressBar {
  return new ProgressBar(opts);
}
