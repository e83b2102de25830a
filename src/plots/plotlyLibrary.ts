// plotly.js for notebook outputs: the library's source (from the plotly.js-dist package, minified once with
// esbuild when available and cached in node_modules/.cache), and the "send it once per kernel" bookkeeping.
//
// Why inline HTML (text/html with a <script>) and not application/vnd.plotly.v1+json alone: neither JupyterLab
// (3.x/4.x) nor the classic Notebook renders the plotly mime type without the jupyterlab-plotly / plotly
// nbextension installed, while both run <script> tags of text/html outputs produced in a live session
// (JupyterLab only for trusted outputs: outputs of a live session are trusted; a saved notebook reopened
// untrusted shows the placeholder, where the headless runner puts a static PNG of the plot, until it is trusted
// or re-run; see figureHtml.ts). No CDN: the kernel machine may be
// offline, so the library travels inside the notebook, once: in its own output (never inside a display that
// is later updated in place, so the saved .ipynb always keeps it).
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic";

let cachedSource: string | null = null;

function plotlyPackage(): { file: string; version: string } {
  let file: string;
  try {
    file = require.resolve("plotly.js-dist");
  } catch {
    throw new Error("plotly.js-dist is not installed: run `npm install` in the project folder (it is a dependency of bert-imdb-ts)");
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "package.json"), "utf8")) as { version: string };
  return { file, version: pkg.version };
}

/** plotly.js' source code, minified when esbuild is installed (≈4.8 MB instead of ≈10 MB). */
export function plotlySource(): string {
  if (cachedSource !== null) return cachedSource;
  const { file, version } = plotlyPackage();
  const cacheFile = path.join(path.dirname(file), "..", ".cache", "bert-imdb-ts", `plotly-${version}.min.js`);
  let src: string | null = null;
  try {
    if (fs.existsSync(cacheFile)) src = fs.readFileSync(cacheFile, "utf8");
  } catch {
    src = null;
  }
  if (src === null) {
    const full = fs.readFileSync(file, "utf8");
    src = full;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const esbuild = require("esbuild") as { transformSync(code: string, o: object): { code: string } };
      src = esbuild.transformSync(full, { minify: true, legalComments: "none" }).code;
      try {
        writeFileAtomic(cacheFile, src);
      } catch {
        // A read-only node_modules only costs the minification next time.
      }
    } catch {
      src = full;
    }
  }
  cachedSource = src;
  return src;
}

/**
 * A <script> that defines window.Plotly unless the page already has it. `module`/`define` are shadowed so
 * the UMD wrapper never treats the page as CommonJS/AMD (classic Notebook has RequireJS), and "</script"
 * is escaped so the code cannot end the tag early.
 */
export function plotlyLibraryScript(): string {
  const src = plotlySource().replace(/<\/(script)/gi, "<\\/$1");
  return (
    `<script type="text/javascript">if (!window.Plotly) { (function (module, exports, define) {\n${src}\n}).call(window); }</script>`
  );
}

let sentToKernelPage = false;

/** Whether the library was already sent in this kernel (each kernel process sends it once). */
export function plotlyLibrarySent(): boolean {
  return sentToKernelPage;
}

export function markPlotlyLibrarySent(sent = true): void {
  sentToKernelPage = sent;
}
