// Plot helpers for the notebooks: each builds a Plotly figure spec, shows it (inline HTML in a notebook, a
// short text summary elsewhere) and returns the spec. Pass `show: false` to only build it.
import { inspect } from "node:util";
import { confusionMatrix } from "../metrics/confusionMatrix";
import type { LabelArray } from "../metrics/classification";
import { Figure, showFigure } from "./figureHtml";

export interface PlotOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  /** Display the figure (default true). */
  show?: boolean;
}

export interface LineSeries {
  name?: string;
  /** Default: 0, 1, 2, … */
  x?: ArrayLike<number>;
  y: ArrayLike<number>;
  mode?: "lines" | "markers" | "lines+markers";
}

export interface NamedValues {
  name: string;
  values: ArrayLike<number>;
}

function layoutOf(o: PlotOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    title: o.title ? { text: o.title } : undefined,
    xaxis: { title: { text: o.xTitle ?? "" } },
    yaxis: { title: { text: o.yTitle ?? "" } },
    height: o.height ?? 420,
    margin: { t: o.title ? 50 : 20, r: 20, b: 50, l: 60 },
    ...extra,
  };
  if (o.width) layout.width = o.width;
  if (layout.title === undefined) delete layout.title;
  return layout;
}

/**
 * Shows the figure (unless show: false) and returns it with a short console form: a notebook prints a cell's
 * last value, and the whole spec printed under the plot would only be noise. JSON and property access are
 * unchanged (the custom inspect is a non-enumerable symbol property).
 */
function finish(fig: Figure, summary: string, o: PlotOptions): Figure {
  if (o.show !== false) showFigure(fig, summary);
  Object.defineProperty(fig, inspect.custom, { value: () => `[Figure: ${summary.split("\n")[0]}]`, enumerable: false });
  return fig;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function stats(values: ArrayLike<number>): { n: number; min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { n: values.length, min, max, mean: values.length ? sum / values.length : NaN };
}

function label(kind: string, o: PlotOptions): string {
  return o.title ? `${kind} "${o.title}"` : kind;
}

/** A line plot of one or more series. */
export function lineFigure(series: LineSeries | LineSeries[], o: PlotOptions = {}): Figure {
  const list = Array.isArray(series) ? series : [series];
  if (list.length === 0) throw new Error("plotLine: no series to plot");
  return {
    data: list.map((s, i) => {
      if (s.x && s.x.length !== s.y.length) throw new Error(`plotLine: series ${s.name ?? i} has ${s.x.length} x values and ${s.y.length} y values`);
      return {
        type: "scatter",
        mode: s.mode ?? "lines",
        name: s.name ?? `series ${i + 1}`,
        x: s.x ? Array.from(s.x) : Array.from({ length: s.y.length }, (_, k) => k),
        y: Array.from(s.y),
      };
    }),
    layout: layoutOf(o, { showlegend: list.length > 1 }),
  };
}

export function lineSummary(series: LineSeries | LineSeries[], o: PlotOptions = {}): string {
  const list = Array.isArray(series) ? series : [series];
  const parts = list.map((s, i) => {
    const n = s.y.length;
    return `${s.name ?? `series ${i + 1}`}: ${n} points${n ? `, first ${fmt(s.y[0])}, last ${fmt(s.y[n - 1])}, min ${fmt(stats(s.y).min)}` : ""}`;
  });
  return `${label("line plot", o)} — ${parts.join("; ")}`;
}

export function plotLine(series: LineSeries | LineSeries[], o: PlotOptions = {}): Figure {
  return finish(lineFigure(series, o), lineSummary(series, o), o);
}

export interface HistogramOptions extends PlotOptions {
  /** Maximum number of bins (Plotly picks "nice" bins up to this). */
  nbins?: number;
  histnorm?: "" | "percent" | "probability" | "density" | "probability density";
  barmode?: "overlay" | "stack" | "group";
}

/** A histogram of one set of values, or overlaid histograms of several named sets. */
export function histogramFigure(values: ArrayLike<number> | NamedValues[], o: HistogramOptions = {}): Figure {
  const sets: NamedValues[] = Array.isArray(values) && values.length > 0 && typeof values[0] === "object"
    ? (values as NamedValues[])
    : [{ name: o.xTitle ?? "values", values: values as ArrayLike<number> }];
  const several = sets.length > 1;
  return {
    data: sets.map((s) => ({
      type: "histogram",
      name: s.name,
      x: Array.from(s.values),
      ...(o.nbins ? { nbinsx: o.nbins } : {}),
      // Overlaid traces would otherwise each get their own bin width, and bar heights could not be compared.
      ...(several ? { bingroup: "histogram" } : {}),
      ...(o.histnorm ? { histnorm: o.histnorm } : {}),
      ...(several && (o.barmode ?? "overlay") === "overlay" ? { opacity: 0.6 } : {}),
    })),
    layout: layoutOf({ yTitle: o.histnorm ? o.histnorm : "count", ...o }, { barmode: o.barmode ?? "overlay", showlegend: several }),
  };
}

export function histogramSummary(values: ArrayLike<number> | NamedValues[], o: HistogramOptions = {}): string {
  const sets: NamedValues[] = Array.isArray(values) && values.length > 0 && typeof values[0] === "object"
    ? (values as NamedValues[])
    : [{ name: o.xTitle ?? "values", values: values as ArrayLike<number> }];
  return `${label("histogram", o)} — ` + sets.map((s) => {
    const st = stats(s.values);
    return `${s.name}: n=${st.n}${st.n ? `, min ${fmt(st.min)}, mean ${fmt(st.mean)}, max ${fmt(st.max)}` : ""}`;
  }).join("; ");
}

export function plotHistogram(values: ArrayLike<number> | NamedValues[], o: HistogramOptions = {}): Figure {
  return finish(histogramFigure(values, o), histogramSummary(values, o), o);
}

export interface BarOptions extends PlotOptions {
  barmode?: "group" | "stack";
  /** Horizontal bars. */
  horizontal?: boolean;
  /** Range of the value axis (default: fitted to the bars). */
  valueRange?: [number, number];
  /** A dashed line across the chart at this value (e.g. 0.5 for a probability: the decision threshold). */
  referenceLine?: number;
}

function barLayout(o: BarOptions, legend: boolean): Record<string, unknown> {
  const layout = layoutOf(o, { barmode: o.barmode ?? "group", showlegend: legend });
  const valueAxis = o.horizontal ? "xaxis" : "yaxis";
  if (o.valueRange) layout[valueAxis] = { ...(layout[valueAxis] as object), range: [...o.valueRange] };
  if (o.referenceLine !== undefined) {
    // Spans the whole category axis (paper coordinates 0–1) at the value on the value axis.
    const at = o.referenceLine;
    const line = { color: "#555", width: 1, dash: "dash" };
    layout.shapes = [o.horizontal
      ? { type: "line", xref: "x", yref: "paper", x0: at, x1: at, y0: 0, y1: 1, line }
      : { type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: at, y1: at, line }];
  }
  return layout;
}

/** A bar chart: one value per category, or several named series grouped per category. */
export function barFigure(categories: readonly string[], values: ArrayLike<number> | NamedValues[], o: BarOptions = {}): Figure {
  const sets: NamedValues[] = Array.isArray(values) && values.length > 0 && typeof values[0] === "object"
    ? (values as NamedValues[])
    : [{ name: o.yTitle ?? "value", values: values as ArrayLike<number> }];
  for (const s of sets) {
    if (s.values.length !== categories.length) throw new Error(`plotBar: ${s.name} has ${s.values.length} values for ${categories.length} categories`);
  }
  return {
    data: sets.map((s) => {
      const v = Array.from(s.values);
      return o.horizontal
        ? { type: "bar", name: s.name, orientation: "h", y: categories.slice(), x: v, text: v.map(fmt), textposition: "auto" }
        : { type: "bar", name: s.name, x: categories.slice(), y: v, text: v.map(fmt), textposition: "auto" };
    }),
    layout: barLayout(o, sets.length > 1),
  };
}

export function barSummary(categories: readonly string[], values: ArrayLike<number> | NamedValues[], o: BarOptions = {}): string {
  const sets: NamedValues[] = Array.isArray(values) && values.length > 0 && typeof values[0] === "object"
    ? (values as NamedValues[])
    : [{ name: "", values: values as ArrayLike<number> }];
  return `${label("bar chart", o)} — ` + sets.map((s) => (s.name ? `${s.name}: ` : "") + categories.map((c, i) => `${c}=${fmt(s.values[i])}`).join(", ")).join("; ");
}

export function plotBar(categories: readonly string[], values: ArrayLike<number> | NamedValues[], o: BarOptions = {}): Figure {
  return finish(barFigure(categories, values, o), barSummary(categories, values, o), o);
}

/** Heat map of the confusion matrix (rows: true label, columns: predicted), with counts and row shares. */
export function confusionMatrixFigure(matrix: number[][], labelNames: readonly string[], o: PlotOptions = {}): Figure {
  const k = matrix.length;
  if (labelNames.length !== k) throw new Error(`plotConfusionMatrix: ${labelNames.length} label names for ${k} classes`);
  const names = labelNames.slice();
  const text = matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => `${c}<br>(${total ? ((100 * c) / total).toFixed(1) : "0.0"}%)`);
  });
  return {
    data: [{
      type: "heatmap",
      z: matrix.map((r) => r.slice()),
      x: names,
      y: names,
      text,
      texttemplate: "%{text}",
      hovertemplate: "true %{y}, predicted %{x}: %{z}<extra></extra>",
      colorscale: "Blues",
      reversescale: true, // plotly.js's "Blues" runs dark → light; larger counts should be darker
      showscale: false,
    }],
    layout: layoutOf({ xTitle: "predicted label", yTitle: "true label", height: 380, ...o }, {
      yaxis: { title: { text: o.yTitle ?? "true label" }, autorange: "reversed", type: "category" },
      xaxis: { title: { text: o.xTitle ?? "predicted label" }, type: "category", side: "bottom" },
    }),
  };
}

export function confusionMatrixSummary(matrix: number[][], labelNames: readonly string[], o: PlotOptions = {}): string {
  const width = Math.max(...labelNames.map((n) => n.length), ...matrix.flat().map((c) => String(c).length), 4);
  const pad = (s: string) => s.padStart(width);
  const lines = [`${label("confusion matrix", o)} (rows: true label, columns: predicted)`, `${pad("")}  ${labelNames.map(pad).join("  ")}`];
  matrix.forEach((row, i) => lines.push(`${pad(labelNames[i])}  ${row.map((c) => pad(String(c))).join("  ")}`));
  return lines.join("\n");
}

/** Confusion matrix of `labels` against `predictions` as a heat map; returns the figure. */
export function plotConfusionMatrix(labels: LabelArray, predictions: LabelArray, labelNames: readonly string[] = ["negative", "positive"], o: PlotOptions = {}): Figure {
  const m = confusionMatrix(labels, predictions, labelNames.length);
  return finish(confusionMatrixFigure(m, labelNames, o), confusionMatrixSummary(m, labelNames, o), o);
}
