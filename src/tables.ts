// Tables for the notebooks: danfojs-node DataFrames (or plain rows) rendered as HTML tables in JupyterLab
// and the classic Notebook, and as a text table outside a notebook. danfojs-node has no HTML export of its own
// in Node, hence the small renderer here.
import type * as Danfo from "danfojs-node";
import * as tfjs from "@tensorflow/tfjs";
import { registerFastGradients } from "./backends/gradients";
import { escapeHtml, inNotebook, showHtml } from "./notebookDisplay";

let danfo: typeof Danfo | undefined;

/**
 * danfojs-node, loaded at its first use: loading it took 1.6 of the 1.8 s that importing this package takes
 * (measured here), in every notebook, where only 01-load makes a DataFrame of its own.
 */
export function danfojs(): typeof Danfo {
  if (!danfo) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    danfo = require("danfojs-node") as typeof Danfo;
    // danfojs-node brings its own copy of tfjs, which re-registers tfjs' default gradients when it loads: put
    // the project's faster ones back.
    registerFastGradients(tfjs);
  }
  return danfo;
}

/** danfojs-node's namespace (`new dfd.DataFrame(...)`, `dfd.Series`, ...), loaded when first used. */
export const dfd: typeof Danfo = new Proxy({} as typeof Danfo, {
  get: (_target, key) => Reflect.get(danfojs(), key),
  has: (_target, key) => Reflect.has(danfojs(), key),
  ownKeys: () => Reflect.ownKeys(danfojs()),
  getOwnPropertyDescriptor: (_target, key) => {
    const d = Reflect.getOwnPropertyDescriptor(danfojs(), key);
    return d && { ...d, configurable: true };
  },
});

/** One table row: any plain object (its own enumerable keys are the columns). */
export type Row = object;
export type DataFrame = InstanceType<typeof Danfo.DataFrame>;

/** A danfojs DataFrame from rows of objects (all rows should share keys). */
export function toDataFrame(rows: readonly Row[]): DataFrame {
  const { columns, values } = rowsTable(rows);
  const data: Record<string, unknown[]> = {};
  columns.forEach((c, j) => (data[c] = values.map((r) => r[j])));
  return new (danfojs().DataFrame)(data as any);
}

/** Columns, values and index of rows of objects, as a DataFrame of them would hold them. */
function rowsTable(rows: readonly Row[]): { columns: string[]; values: unknown[][]; index: Array<string | number> } {
  if (rows.length === 0) throw new Error("showTable/toDataFrame: no rows to show");
  const columns = Object.keys(rows[0]);
  const values = rows.map((r) => columns.map((c) => normalise((r as Record<string, unknown>)[c])));
  return { columns, values, index: rows.map((_, i) => i) };
}

function normalise(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return v;
}

function cellText(v: unknown, digits: number): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2);
  }
  return String(v);
}

export interface ShowTableOptions {
  caption?: string;
  /** Rows shown at most (head); a note says how many were left out. */
  maxRows?: number;
  /** Decimal places of non-integer numbers. */
  digits?: number;
  /** Characters a text cell is cut to. */
  maxChars?: number;
  /** Show the DataFrame index as the first column. */
  index?: boolean;
}

/** Renders a DataFrame (or rows) as an HTML table in a notebook; prints it as text elsewhere. */
export function showTable(data: DataFrame | readonly Row[], opts: ShowTableOptions = {}): void {
  const df = data as DataFrame;
  const { columns, values, index } = Array.isArray(data)
    ? rowsTable(data)
    : { columns: df.columns as string[], values: df.values as unknown[][], index: df.index as Array<string | number> };
  const maxRows = opts.maxRows ?? 50;
  const digits = opts.digits ?? 4;
  const maxChars = opts.maxChars ?? 200;
  const shown = values.slice(0, maxRows);
  const cut = (s: string) => (s.length > maxChars ? s.slice(0, maxChars - 1) + "…" : s);
  if (!inNotebook()) {
    if (opts.caption) console.log(opts.caption);
    const rows = shown.map((r) => Object.fromEntries(columns.map((c, j) => [c, cut(cellText(r[j], digits))])));
    console.table(opts.index ? rows : rows.map((r) => r));
    if (values.length > maxRows) console.log(`… ${values.length - maxRows} more rows`);
    return;
  }
  const th = (opts.index ? ["<th></th>"] : []).concat(columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`));
  const body = shown
    .map((r, i) => {
      const tds = r.map((v) => {
        const align = typeof v === "number" ? "right" : "left";
        return `<td style="text-align:${align};max-width:60em;white-space:normal">${escapeHtml(cut(cellText(v, digits)))}</td>`;
      });
      return `<tr>${opts.index ? `<th>${escapeHtml(String(index[i]))}</th>` : ""}${tds.join("")}</tr>`;
    })
    .join("");
  const more = values.length > maxRows ? `<p><em>${values.length - maxRows} more rows not shown</em></p>` : "";
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>` : "";
  showHtml(`<table class="dataframe bert-imdb-table">${caption}<thead><tr>${th.join("")}</tr></thead><tbody>${body}</tbody></table>${more}`, "");
}

