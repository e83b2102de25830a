// Static images of saved plots (scripts/notebooks/staticImages.ts): every output bundle with a Plotly figure
// gets an image/png beside it and the image inside its text/html placeholder; one browser for a run; without
// Chromium nothing changes and one line says so. The Chromium parts skip without Chromium, except under
// CI=true, where they fail.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { figureHtml, INTERACTIVE_HINT, PLACEHOLDER_CLASS, STATIC_IMAGE_CLASS, withStaticImage } from "../src/plots/figureHtml";
import { lineFigure } from "../src/plots/figures";
import { fixtureNotebook } from "./notebookFixtures";
import { Notebook, readNotebook, writeNotebook, joinText, PLOTLY_MIME } from "../scripts/notebooks/ipynb";
import { addStaticImages, findChromium, StaticImageSession, DEFAULT_SCALE, DEFAULT_WIDTH } from "../scripts/notebooks/staticImages";

const ROOT = path.resolve(__dirname, "..");
const CI = process.env.CI === "true";

function pngSize(base64: string): { width: number; height: number } {
  const b = Buffer.from(base64, "base64");
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG signature");
  assert.equal(b.subarray(12, 16).toString("latin1"), "IHDR");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

test("the placeholder speaks to a reader, and withStaticImage puts the image in its place", () => {
  const html = figureHtml(lineFigure({ y: [1, 2] }), "line plot", "p1");
  assert.ok(html.includes(INTERACTIVE_HINT), html);
  assert.doesNotMatch(html, /plot shown when JavaScript runs/);
  const withImg = withStaticImage(html, TINY_PNG, 'a "quoted" <summary>', { width: 800, height: 420 });
  assert.ok(withImg);
  assert.match(withImg, new RegExp(`<img class="${STATIC_IMAGE_CLASS}" alt="a &quot;quoted&quot; &lt;summary&gt;" width="800" height="420" [^>]*src="data:image/png;base64,${TINY_PNG.replace(/[+/=]/g, "\\$&")}">`));
  assert.match(withImg, new RegExp(`<pre class="${PLACEHOLDER_CLASS}"[^>]*>\\(static image; ${INTERACTIVE_HINT.replace(/[()]/g, "\\$&")}\\)</pre>`));
  assert.match(withImg, /Plotly\.newPlot/, "the interactive script stays");
  assert.equal(withStaticImage(withImg, TINY_PNG, "x"), null, "an image is added once");
  assert.equal(withStaticImage("<b>not a plot</b>", TINY_PNG, "x"), null);
});

test("addStaticImages adds image/png (with its display size) and the image in the HTML to every plot bundle", async () => {
  const nb = fixtureNotebook();
  const asked: unknown[] = [];
  const r = await addStaticImages(nb, async (fig) => {
    asked.push(fig.layout?.width ?? null);
    return { base64: TINY_PNG, width: Number(fig.layout?.width ?? 800), height: Number(fig.layout?.height ?? 420) };
  });
  assert.deepEqual(r, { figures: 2, added: 2, failed: [] });
  assert.deepEqual(asked, [null, 500]);
  const plot = nb.cells[0].outputs![2];
  assert.equal(plot.data!["image/png"], TINY_PNG);
  assert.deepEqual(plot.metadata, { "image/png": { width: 800, height: 420 } });
  assert.ok(joinText(plot.data!["text/html"]).includes(`class="${STATIC_IMAGE_CLASS}"`));
  assert.ok(typeof plot.data![PLOTLY_MIME] === "object", "the figure stays");
  assert.equal(nb.cells[0].outputs![0].data!["image/png"], undefined, "the library output is no plot");
  assert.deepEqual(nb.cells[2].outputs![0].metadata, { "image/png": { width: 500, height: 300 } });

  const again = await addStaticImages(nb, async () => assert.fail("an output with its image is not rendered again"));
  assert.deepEqual(again, { figures: 2, added: 0, failed: [] });

  const broken = fixtureNotebook();
  const rb = await addStaticImages(broken, async () => {
    throw new Error("boom\nstack");
  });
  assert.deepEqual(rb, { figures: 2, added: 0, failed: [{ cellIndex: 0, error: "boom" }, { cellIndex: 2, error: "boom" }] });
});

test("without Chromium a session changes nothing and says so in one line", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "static-none-"));
  const files = ["a.ipynb", "b.ipynb"].map((f) => path.join(dir, f));
  for (const f of files) writeNotebook(f, fixtureNotebook());
  const before = files.map((f) => fs.readFileSync(f, "utf8"));
  const lines: string[] = [];
  const s = new StaticImageSession({ chromiumPath: null, log: (l) => lines.push(l) });
  for (const f of files) assert.equal(await s.addToFile(f), null);
  await s.close();
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /no Chromium found.*no static images.*apt-get install chromium/);
  assert.deepEqual(files.map((f) => fs.readFileSync(f, "utf8")), before);
  fs.rmSync(dir, { recursive: true, force: true });
});

function chromiumOrSkip(t: { skip(msg: string): void }): string | null {
  const exe = findChromium();
  if (exe) return exe;
  if (CI) assert.fail("CI=true and no Chromium (apt-get install chromium fonts-liberation, or CHROMIUM_PATH)");
  console.log("# skipped: no Chromium found (apt-get install chromium fonts-liberation, or set CHROMIUM_PATH)");
  t.skip("no Chromium found");
  return null;
}

test("in Chromium: a fixture notebook's plots become PNGs at their layout size, once, with one browser", async (t) => {
  if (!chromiumOrSkip(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "static-png-"));
  const file = path.join(dir, "fixture.ipynb");
  const plain = path.join(dir, "plain.ipynb");
  writeNotebook(file, fixtureNotebook());
  writeNotebook(plain, { ...fixtureNotebook(), cells: [] });
  const lines: string[] = [];
  const s = new StaticImageSession({ log: (l) => lines.push(l) });
  try {
    assert.deepEqual(await s.addToFile(plain), { figures: 0, added: 0, failed: [] });
    const r = await s.addToFile(file);
    assert.deepEqual(r, { figures: 2, added: 2, failed: [] });
    const nb = readNotebook(file);
    const line = nb.cells[0].outputs![2];
    assert.deepEqual(pngSize(String(line.data!["image/png"])), { width: DEFAULT_WIDTH * DEFAULT_SCALE, height: 420 * DEFAULT_SCALE });
    const cm = nb.cells[2].outputs![0];
    assert.deepEqual(pngSize(String(cm.data!["image/png"])), { width: 500 * DEFAULT_SCALE, height: 300 * DEFAULT_SCALE });
    assert.ok(Buffer.from(String(cm.data!["image/png"]), "base64").length > 2000, "a drawn image, not an empty one");
    const html = joinText(line.data!["text/html"]);
    assert.ok(html.includes(`src="data:image/png;base64,${line.data!["image/png"]}"`), "the same PNG inside the HTML");
    assert.deepEqual(await s.addToFile(file), { figures: 2, added: 0, failed: [] }, "a second pass adds nothing");
    assert.deepEqual(lines, []);
  } finally {
    await s.close();
  }
  // The file is still a valid notebook for nbformat, when Python has it.
  const py = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import nbformat"], { stdio: "ignore" }).status === 0);
  if (py) {
    const v = spawnSync(py, ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], 4))", file], { encoding: "utf8" });
    assert.equal(v.status, 0, v.stderr);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the runner adds the images to an executed fixture notebook and signs it as trusted", async (t) => {
  if (!chromiumOrSkip(t)) return;
  const py = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import nbclient, nbformat"], { stdio: "ignore" }).status === 0);
  if (!py) {
    if (CI) assert.fail("CI=true and no Python with nbclient");
    t.skip("no Python with nbclient");
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "static-run-"));
  const src = path.join(dir, "plot.ipynb");
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "bert-imdb-ts", display_name: "TypeScript (bert-imdb-ts)", language: "typescript" } },
    cells: [{ cell_type: "code", id: "a", metadata: {}, execution_count: null, outputs: [], source: 'import { plotLine } from "./src/plots/index";\nplotLine({ name: "loss", y: [3, 2, 1] }, { title: "fixture" });' }],
  };
  writeNotebook(src, nb);
  const out = path.join(dir, "out");
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--notebook", src, "--out-dir", out], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, BERT_IMDB_RUN_DIR: path.join(dir, "run") },
    timeout: 180_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /static images: 1 added, 1 plot\(s\) in plot\.ipynb/);
  const executed = readNotebook(path.join(out, "plot.ipynb"));
  const plot = executed.cells[0].outputs!.find((o) => o.data?.[PLOTLY_MIME]);
  assert.ok(plot, "the plot bundle");
  assert.ok(pngSize(String(plot.data!["image/png"])).width > 0);
  assert.ok(executed.cells[0].outputs!.some((o) => joinText(o.data?.["text/html"]).includes("bert-imdb-plotly-library")), "the live copy keeps plotly.js");
  const trusted = spawnSync(py, ["-c", "import sys, nbformat; from nbformat.sign import NotebookNotary; sys.exit(0 if NotebookNotary().check_signature(nbformat.read(sys.argv[1], 4)) else 1)", path.join(out, "plot.ipynb")]);
  assert.equal(trusted.status, 0, "the executed copy is signed as trusted");
  fs.rmSync(dir, { recursive: true, force: true });
});
