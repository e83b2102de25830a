// Static images of a saved notebook's plots. The kernel sends each plot as a bundle (text/html that draws it
// with plotly.js, the figure as application/vnd.plotly.v1+json, a text/plain summary) but cannot draw: it has
// no browser. This module renders every saved figure in headless Chromium (playwright-core, plotly.js'
// Plotly.toImage, the same plotly.js the notebooks inline) and adds the PNG to the same bundle:
//   - as `image/png` (with its display size in the output's metadata): what GitHub, VS Code, nbconvert's
//     image-first templates and any front end without JavaScript show;
//   - inside the bundle's text/html, in place of its text placeholder (withStaticImage): JupyterLab shows an
//     untrusted output's sanitised text/html (scripts stripped) before any image, and nbconvert prefers
//     text/html too, so the image must be in there to be seen; the script draws over it where it runs.
// PNG rather than SVG: JupyterLab renders image/svg+xml only in trusted outputs.
// One browser serves all figures of a run (StaticImageSession opens it on the first figure). Without Chromium
// the notebooks are left as they are and the session says so once.
import * as fs from "node:fs";
import { withStaticImage } from "../../src/plots/figureHtml";
import { plotlySource } from "../../src/plots/plotlyLibrary";
import { joinText, Notebook, outputsOf, plotlyFigureOf, readNotebook, SavedFigure, splitLines, writeNotebook } from "./ipynb";

/** Width used when a figure's layout has none (the interactive plot then fills the output area). */
export const DEFAULT_WIDTH = 800;
/** Height used when a figure's layout has none (figureHtml's default). */
export const DEFAULT_HEIGHT = 420;
/** Device pixels per CSS pixel of the PNGs (sharp on high-density screens, still a few tens of KB). */
export const DEFAULT_SCALE = 2;

export interface RenderedImage {
  /** PNG bytes, base64. */
  base64: string;
  /** Display size in CSS pixels (the PNG has scale × as many pixels). */
  width: number;
  height: number;
}

export type RenderFigure = (fig: SavedFigure) => Promise<RenderedImage>;

/** The display size of a figure: its layout's width and height, else the defaults. */
export function figureSize(fig: SavedFigure): { width: number; height: number } {
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.round(v) : d);
  return { width: num(fig.layout?.width, DEFAULT_WIDTH), height: num(fig.layout?.height, DEFAULT_HEIGHT) };
}

/** Chromium to render with: CHROMIUM_PATH, else the usual install locations; null when there is none. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
  for (const p of candidates) if (p && fs.existsSync(p)) return p;
  return null;
}

export interface AddImagesResult {
  /** Outputs carrying a Plotly figure. */
  figures: number;
  /** Of those, the ones that got an image now (the others already had one, or failed). */
  added: number;
  /** Figures that could not be rendered, with the error. */
  failed: Array<{ cellIndex: number; error: string }>;
}

/**
 * Adds a PNG to every output of `nb` that carries a Plotly figure and has no image yet (in place). `render`
 * draws one figure (a FigureRenderer's, or a stand-in in tests).
 */
export async function addStaticImages(nb: Notebook, render: RenderFigure): Promise<AddImagesResult> {
  const result: AddImagesResult = { figures: 0, added: 0, failed: [] };
  for (const { output, cellIndex } of outputsOf(nb)) {
    const fig = plotlyFigureOf(output);
    if (!fig || !output.data) continue;
    result.figures++;
    if (typeof output.data["image/png"] === "string" && String(output.data["image/png"]).length > 0) continue;
    let img: RenderedImage;
    try {
      img = await render(fig);
    } catch (e) {
      result.failed.push({ cellIndex, error: e instanceof Error ? e.message.split("\n")[0] : String(e) });
      continue;
    }
    output.data["image/png"] = img.base64;
    output.metadata = { ...(output.metadata ?? {}), "image/png": { width: img.width, height: img.height } };
    const html = joinText(output.data["text/html"]);
    if (html) {
      const alt = joinText(output.data["text/plain"]).split("\n")[0] || "plot";
      const withImg = withStaticImage(html, img.base64, alt, { width: img.width, height: img.height });
      if (withImg !== null) output.data["text/html"] = splitLines(withImg);
    }
    result.added++;
  }
  return result;
}

// Minimal structural types of the playwright-core objects used (it is a devDependency, loaded lazily).
interface PwPage {
  setContent(html: string): Promise<void>;
  addScriptTag(o: { content: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
interface PwBrowser {
  newPage(o?: object): Promise<PwPage>;
  close(): Promise<void>;
}

/** Headless Chromium with plotly.js loaded, turning figures into PNGs. */
export class FigureRenderer {
  private constructor(private readonly browser: PwBrowser, private readonly page: PwPage, readonly scale: number) {}

  /** Starts Chromium at `executablePath` (playwright-core, headless) and loads plotly.js into one page. */
  static async launch(executablePath: string, opts: { scale?: number } = {}): Promise<FigureRenderer> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require("playwright-core") as { chromium: { launch(o: object): Promise<PwBrowser> } };
    const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.setContent("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>");
      await page.addScriptTag({ content: plotlySource() });
      return new FigureRenderer(browser, page, opts.scale ?? DEFAULT_SCALE);
    } catch (e) {
      await browser.close().catch(() => undefined);
      throw e;
    }
  }

  /** The figure as a PNG at its layout size (× scale pixels). */
  async render(fig: SavedFigure): Promise<RenderedImage> {
    const { width, height } = figureSize(fig);
    const dataUrl = await this.page.evaluate(
      async (a: { fig: SavedFigure; width: number; height: number; scale: number }) => {
        // Runs in the page: window.Plotly from the script tag.
        const P = (globalThis as unknown as { Plotly: { toImage(fig: object, o: object): Promise<string> } }).Plotly;
        const layout = { ...(a.fig.layout ?? {}), width: a.width, height: a.height };
        return P.toImage({ data: a.fig.data, layout, config: { ...(a.fig.config ?? {}), responsive: false } }, { format: "png", width: a.width, height: a.height, scale: a.scale });
      },
      { fig, width, height, scale: this.scale },
    );
    const m = /^data:image\/png;base64,(.+)$/s.exec(dataUrl);
    if (!m) throw new Error(`Plotly.toImage returned ${dataUrl.slice(0, 40)}… instead of a PNG data URL`);
    return { base64: m[1], width, height };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/**
 * Adds static images to saved notebooks, one file at a time, with one browser for all of them (started on
 * the first figure, so notebooks without plots never start it). Without Chromium, or when it cannot start,
 * the files are left unchanged and `log` gets one line saying so (once).
 */
export class StaticImageSession {
  private renderer: FigureRenderer | null = null;
  private unavailable: string | null = null;
  private readonly log: (line: string) => void;
  private readonly chromiumPath: string | null;

  constructor(opts: { log?: (line: string) => void; chromiumPath?: string | null } = {}) {
    this.log = opts.log ?? ((l) => console.log(l));
    this.chromiumPath = opts.chromiumPath === undefined ? findChromium() : opts.chromiumPath;
  }

  /** Why images cannot be made (null while they can, or before the first figure asked). */
  get unavailableReason(): string | null {
    return this.unavailable;
  }

  private async ensureRenderer(): Promise<FigureRenderer | null> {
    if (this.renderer || this.unavailable) return this.renderer;
    if (!this.chromiumPath) {
      this.unavailable = "no Chromium found (looked at CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome)";
    } else {
      try {
        this.renderer = await FigureRenderer.launch(this.chromiumPath);
      } catch (e) {
        this.unavailable = `Chromium at ${this.chromiumPath} did not start: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
      }
    }
    if (this.unavailable) {
      this.log(
        `static images: ${this.unavailable}; the executed notebooks keep their interactive plots but get no static images ` +
          `(seen where JavaScript does not run: untrusted notebooks, GitHub, nbconvert). Install it with \`apt-get install chromium fonts-liberation\` or set CHROMIUM_PATH.`,
      );
    }
    return this.renderer;
  }

  /** Adds images to the notebook file `file` (rewritten only when something was added). Null without Chromium. */
  async addToFile(file: string): Promise<AddImagesResult | null> {
    const nb = readNotebook(file);
    const figures = [...outputsOf(nb)].filter(({ output }) => plotlyFigureOf(output));
    if (figures.every(({ output }) => output.data?.["image/png"])) return { figures: figures.length, added: 0, failed: [] };
    const renderer = await this.ensureRenderer();
    if (!renderer) return null;
    const result = await addStaticImages(nb, (fig) => renderer.render(fig));
    if (result.added > 0) writeNotebook(file, nb);
    return result;
  }

  async close(): Promise<void> {
    const r = this.renderer;
    this.renderer = null;
    if (r) await r.close().catch(() => undefined);
  }
}
