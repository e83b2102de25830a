// Rich output for the tslab kernel: whether we run inside a notebook, and in-place displays.
// Outside a kernel (tests, scripts, the CLI) every function degrades to plain stdout/stderr text.

export interface InPlaceDisplay {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

interface TslabPublic {
  newDisplay(): InPlaceDisplay;
  display: InPlaceDisplay;
}

let cached: TslabPublic | null | undefined;

/** The tslab module when this process is a live tslab kernel, else null. */
export function tslabOrNull(): TslabPublic | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    // tslab's jupyter module sets lastWriteDisplayData once the kernel is connected.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData?: unknown };
    if (jupyter.lastWriteDisplayData != null) cached = require("tslab") as TslabPublic;
  } catch {
    cached = null;
  }
  return cached;
}

/** True inside a tslab kernel (JupyterLab, Notebook, or the headless runner). */
export function inNotebook(): boolean {
  return tslabOrNull() !== null;
}

/** A display entry that later calls overwrite (one output in the notebook, updated in place). */
export function newDisplay(): InPlaceDisplay | null {
  const t = tslabOrNull();
  return t ? t.newDisplay() : null;
}

/** Shows HTML once in a notebook; prints `fallbackText` outside one. */
export function showHtml(html: string, fallbackText: string): void {
  const t = tslabOrNull();
  if (t) t.display.html(html);
  else console.log(fallbackText);
}

/** Shows Markdown in a notebook; prints it as text outside one. */
export function showMarkdown(md: string): void {
  const t = tslabOrNull();
  if (t) t.display.markdown(md);
  else console.log(md);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}
