// The few pieces of the .ipynb format (nbformat 4) the notebook scripts need: reading and writing a notebook
// as nbformat does (one-space indent, multi-line text stored as lists of lines), and walking its outputs.
import * as fs from "node:fs";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A notebook output (display_data, execute_result, stream or error) as stored in the file. */
export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  text?: string | string[];
  name?: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  execution_count?: number | null;
  [k: string]: unknown;
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  [k: string]: unknown;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A Plotly figure as saved in an `application/vnd.plotly.v1+json` output. */
export interface SavedFigure {
  data: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** A multi-line value of the file (a string or a list of lines) as one string. */
export function joinText(v: unknown): string {
  if (Array.isArray(v)) return v.join("");
  return typeof v === "string" ? v : "";
}

/** A string as nbformat stores it: lines with their line ends. */
export function splitLines(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function readNotebook(file: string): Notebook {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
  if (!Array.isArray(nb.cells) || typeof nb.nbformat !== "number") throw new Error(`${file} is not a notebook (nbformat 4 JSON)`);
  return nb;
}

/**
 * Writes `nb` as nbformat writes it (indent 1, sorted keys), so that Python's rewrite changes nothing. With
 * `compactNumbers`, arrays of plain numbers (a plot's data) go on one line instead of one number per line,
 * which halves a notebook with a 25,000-point histogram; Jupyter reads it the same (and may re-indent it).
 */
export function writeNotebook(file: string, nb: Notebook, opts: { compactNumbers?: boolean } = {}): void {
  let text = JSON.stringify(sortKeys(nb), null, 1);
  if (opts.compactNumbers) text = compactNumberArrays(text);
  fs.writeFileSync(file, text + "\n");
}

const NUM = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const NUMBER_ARRAY = new RegExp(String.raw`\[\n(?:[ ]*${NUM},\n)*[ ]*${NUM}\n[ ]*\]`, "g");

/** JSON text with its multi-line arrays of numbers on one line each (strings cannot hold raw newlines). */
export function compactNumberArrays(json: string): string {
  return json.replace(NUMBER_ARRAY, (m) => "[" + m.slice(1, -1).split("\n").map((l) => l.trim()).filter(Boolean).join(" ") + "]");
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}

/** Every output of every code cell, with the cell's index. */
export function* outputsOf(nb: Notebook): Generator<{ cellIndex: number; output: Output; outputIndex: number; cell: Cell }> {
  for (let c = 0; c < nb.cells.length; c++) {
    const cell = nb.cells[c];
    const outs = cell.outputs ?? [];
    for (let o = 0; o < outs.length; o++) yield { cellIndex: c, output: outs[o], outputIndex: o, cell };
  }
}

/** The Plotly figure an output carries, or null. */
export function plotlyFigureOf(output: Output): SavedFigure | null {
  const fig = output.data?.[PLOTLY_MIME];
  if (!fig || typeof fig !== "object" || !Array.isArray((fig as SavedFigure).data)) return null;
  return fig as SavedFigure;
}
