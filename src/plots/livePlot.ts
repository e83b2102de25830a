// A line plot that grows while a loop runs (the training loss curve): one notebook output updated in place,
// redrawn at most every `throttleMs` (≥ 250 ms) so a fast loop never floods the kernel with messages.
// Outside a notebook it prints nothing while running and a one-line summary on close().
import { displayBundle, newDisplayId } from "./notebookOutput";
import { ensurePlotlyLibrary, figureBundle, Figure } from "./figureHtml";
import { lineFigure, lineSummary, LineSeries, PlotOptions } from "./figures";
import { inNotebook } from "../notebookDisplay";

export interface LivePlotOptions extends Omit<PlotOptions, "show"> {
  /** Names of the series, in legend order (more are added on first use). */
  series?: string[];
  /** Minimum milliseconds between two redraws (at least 250; default 1000). */
  throttleMs?: number;
}

export class LivePlot {
  private readonly series = new Map<string, { x: number[]; y: number[]; mode: LineSeries["mode"] }>();
  private readonly opts: LivePlotOptions;
  private readonly throttleMs: number;
  private readonly displayId = newDisplayId();
  private readonly notebook = inNotebook();
  private shown = false;
  private lastDraw = 0;
  private dirty = false;
  private closed = false;

  constructor(opts: LivePlotOptions = {}) {
    this.opts = opts;
    this.throttleMs = Math.max(250, opts.throttleMs ?? 1000);
    for (const name of opts.series ?? []) this.series.set(name, { x: [], y: [], mode: "lines" });
  }

  /** Adds the point (x, y) to `seriesName` and redraws if the throttle allows. */
  add(seriesName: string, x: number, y: number, mode: LineSeries["mode"] = "lines"): void {
    let s = this.series.get(seriesName);
    if (!s) {
      s = { x: [], y: [], mode };
      this.series.set(seriesName, s);
    }
    s.x.push(x);
    s.y.push(y);
    this.dirty = true;
    this.draw(false);
  }

  /** The current figure spec. */
  figure(): Figure {
    return lineFigure(this.lineSeries(), this.opts);
  }

  /** One-line description of the data so far. */
  summary(): string {
    return lineSummary(this.lineSeries(), this.opts);
  }

  /** Draws the final state (always) and stops further updates; prints the summary outside a notebook. */
  close(): void {
    if (this.closed) return;
    this.draw(true);
    this.closed = true;
    if (!this.notebook && this.lineSeries().some((s) => s.y.length > 0)) console.log(this.summary());
  }

  private lineSeries(): LineSeries[] {
    return [...this.series.entries()].map(([name, s]) => ({ name, x: s.x, y: s.y, mode: s.mode }));
  }

  private draw(force: boolean): void {
    if (this.closed || !this.notebook) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < this.throttleMs) return;
    if (!this.dirty && this.shown) return;
    this.lastDraw = now;
    this.dirty = false;
    if (!this.lineSeries().some((s) => s.y.length > 0)) return;
    ensurePlotlyLibrary();
    // Each update replaces the whole output (a new div id, so the old script's element is never reused).
    displayBundle(figureBundle(this.figure(), this.summary()), { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}
