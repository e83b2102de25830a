// Tests of src/plots outside a notebook: figure specs, text summaries, and HTML that really renders in a
// browser (headless Chromium, when installed) with plotly.js inlined once and RequireJS on the page.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { barFigure, confusionMatrixFigure, histogramFigure, lineFigure, plotConfusionMatrix, plotLine, LivePlot, figureHtml, plotlyLibraryScript } from "../src/plots";
import { withStaticImage } from "../src/plots/figureHtml";

function captureLog<T>(fn: () => T): { value: T; lines: string[] } {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { value: fn(), lines };
  } finally {
    console.log = orig;
  }
}

test("figure builders produce Plotly specs", () => {
  const line = lineFigure([{ name: "train", y: [3, 2, 1] }, { name: "eval", x: [1, 2], y: [2.5, 1.5], mode: "markers" }], { title: "loss" });
  assert.equal(line.data.length, 2);
  assert.deepEqual(line.data[0], { type: "scatter", mode: "lines", name: "train", x: [0, 1, 2], y: [3, 2, 1] });
  assert.deepEqual((line.layout.title as { text: string }).text, "loss");
  assert.throws(() => lineFigure({ x: [1], y: [1, 2] }), /1 x values and 2 y values/);

  const h = histogramFigure([{ name: "neg", values: new Float32Array([0.1, 0.2]) }, { name: "pos", values: [0.9] }], { nbins: 20 });
  assert.equal(h.data.length, 2);
  assert.equal(h.data[0].type, "histogram");
  assert.equal(h.data[0].nbinsx, 20);
  assert.deepEqual(h.data[0].x, [Math.fround(0.1), Math.fround(0.2)]);
  assert.equal(h.layout.barmode, "overlay");
  assert.ok(h.data[0].bingroup !== undefined && h.data[0].bingroup === h.data[1].bingroup, "overlaid histograms share their bins");
  assert.equal(histogramFigure([1, 2, 3]).data.length, 1);

  const b = barFigure(["a", "b"], [1, 2.5]);
  assert.deepEqual(b.data[0].y, [1, 2.5]);
  assert.throws(() => barFigure(["a"], [1, 2]), /2 values for 1 categories/);
  const probs = barFigure(["a", "b"], [0.2, 0.9], { valueRange: [0, 1], referenceLine: 0.5 });
  const yaxis = probs.layout.yaxis as { range: number[] };
  assert.deepEqual(yaxis.range, [0, 1]);
  assert.deepEqual(probs.layout.shapes, [{ type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: 0.5, y1: 0.5, line: { color: "#555", width: 1, dash: "dash" } }]);
  const sideways = barFigure(["a", "b"], [0.2, 0.9], { horizontal: true, valueRange: [0, 1], referenceLine: 0.5 });
  assert.deepEqual((sideways.layout.xaxis as { range: number[] }).range, [0, 1]);
  assert.equal((sideways.layout.shapes as Array<{ x0: number; yref: string }>)[0].x0, 0.5);
  assert.equal(b.layout.shapes, undefined);

  const cm = confusionMatrixFigure([[5, 1], [2, 7]], ["neg", "pos"]);
  assert.deepEqual(cm.data[0].z, [[5, 1], [2, 7]]);
  assert.equal((cm.data[0].text as string[][])[1][1], "7<br>(77.8%)");
});

test("outside a notebook the helpers print a short summary and return the spec", () => {
  const { value, lines } = captureLog(() => plotLine({ name: "loss", y: [0.7, 0.5, 0.3] }, { title: "Training loss" }));
  assert.equal(value.data.length, 1);
  assert.deepEqual(lines, ['line plot "Training loss" — loss: 3 points, first 0.7000, last 0.3000, min 0.3000']);
  const cm = captureLog(() => plotConfusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ["neg", "pos"]));
  assert.deepEqual(cm.value.data[0].z, [[1, 1], [1, 2]]);
  assert.match(cm.lines[0], /confusion matrix/);
  assert.match(cm.lines[0], /pos +1 +2/);
  const silent = captureLog(() => plotLine({ y: [1] }, { show: false }));
  assert.deepEqual(silent.lines, []);
  const live = captureLog(() => {
    const p = new LivePlot({ title: "loss" });
    for (let i = 0; i < 100; i++) p.add("loss", i, 1 / (i + 1));
    p.close();
  });
  assert.equal(live.lines.length, 1, "LivePlot prints only its summary on close outside a notebook");
});

test("figure HTML is script-safe", () => {
  const html = figureHtml(lineFigure({ name: "</script><b>x", y: [1] }), "s");
  assert.equal(html.match(/<\/script>/g)?.length, 1, "only the closing tag of our own script");
  assert.ok(!/<\/script/i.test(plotlyLibraryScript().slice(0, -"</script>".length)));
});

function findChromium(): string | null {
  for (const p of [process.env.CHROMIUM_PATH ?? "", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

test("the HTML renders in a browser: library once, plots drawn, RequireJS on the page does not interfere", async (t) => {
  const exe = findChromium();
  if (!exe) {
    t.skip("no Chromium found (set CHROMIUM_PATH)");
    return;
  }
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // A plot whose output arrives before the library (it must wait for window.Plotly), then the library,
    // then two more plots, the way successive notebook outputs sit in one page. An AMD `define` like the
    // classic Notebook's RequireJS must not capture plotly.js.
    const early = figureHtml(lineFigure({ name: "loss", y: [0.7, 0.6, 0.4] }), "early", "early");
    const html = [
      `<script>window.define = function () { throw new Error("AMD define must not be used"); }; window.define.amd = {};</script>`,
      early,
      plotlyLibraryScript(),
      figureHtml(confusionMatrixFigure([[5, 1], [2, 7]], ["neg", "pos"]), "cm", "cm"),
      figureHtml(histogramFigure([0.1, 0.5, 0.9]), "hist", "hist"),
      // A saved output with its static image (as the runner leaves it): the interactive plot replaces the image.
      withStaticImage(figureHtml(lineFigure({ y: [1, 2] }), "static", "static"), "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "static"),
    ].join("\n");
    await page.setContent(`<html><body>${html}</body></html>`);
    for (const id of ["early", "cm", "hist", "static"]) {
      await page.waitForSelector(`#${id} .main-svg`, { timeout: 20000 });
    }
    assert.equal(await page.evaluate(() => typeof (globalThis as any).Plotly.newPlot), "function");
    assert.equal(await page.locator("#cm .heatmaplayer").count(), 1);
    assert.equal(await page.locator("#early .placeholder, #early pre").count(), 0, "the placeholder text is replaced by the plot");
    assert.equal(await page.locator("#static img, #static pre").count(), 0, "the static image is replaced by the plot");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
