// Multi-format notebook outputs for plots. tslab's public display API sends one mime type per output; a plot
// needs a bundle (text/html to draw it, text/plain for front ends without HTML, and the plotly JSON for front
// ends that render it natively, e.g. VS Code or JupyterLab with jupyterlab-plotly), so this module sends
// display_data / update_display_data messages through the same tslab channel its display API uses.
import { randomBytes } from "node:crypto";
import { inNotebook } from "../notebookDisplay";

/** Output data by mime type: strings, or JSON values for `application/*+json` types. */
export type MimeBundle = Record<string, unknown>;

interface JupyterChannel {
  lastWriteDisplayData?: (data: { data: MimeBundle; metadata: object; transient: { display_id?: string } }, update: boolean) => void;
}

function channel(): JupyterChannel["lastWriteDisplayData"] | null {
  if (!inNotebook()) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require("tslab/dist/jupyter") as JupyterChannel).lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** A fresh id for an output that is later updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Sends `bundle` as a notebook output. With `displayId`, the first call creates the output and calls with
 * `update: true` replace it in place. Returns false outside a notebook (nothing is sent).
 */
export function displayBundle(bundle: MimeBundle, opts: { displayId?: string; update?: boolean } = {}): boolean {
  const write = channel();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: opts.displayId ? { display_id: opts.displayId } : {} }, Boolean(opts.update && opts.displayId));
  return true;
}
