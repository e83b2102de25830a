// npm run bench:kernel-start — what a notebook pays in the tslab kernel before its own work: requiring tslab,
// building its TypeScript program (lib + @types), type-checking a first cell that imports the package entry
// (./dist/index and every declaration it reaches), and loading dist/ itself. Each run is a fresh process, as
// each notebook's kernel is; the figures are the median and range over the runs.
//   npm run bench:kernel-start -- [--runs 5] [--cell 'import { usePreset, tf } from "./dist/index";']
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

// Runs in the child, from the project root (where the kernel runs: kernel/launch.js).
const CHILD = `
const t0 = performance.now();
require("tslab/dist/main.js");
const t1 = performance.now();
const conv = require("tslab/dist/converter").createConverter({ isJS: false, isBrowser: false });
const t2 = performance.now();
const out = conv.convert("", process.env.CELL + "\\nconst probe = 1;");
const t3 = performance.now();
require("./dist/index");
const t4 = performance.now();
if (out.diagnostics.length) { console.error(out.diagnostics.map((d) => d.messageText).join("\\n")); process.exit(1); }
console.log(JSON.stringify({ requireTslab: t1 - t0, program: t2 - t1, firstCell: t3 - t2, loadDist: t4 - t3 }));
process.exit(0);
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  const runs = Number(arg("--runs", "5"));
  const cell = arg("--cell", 'import { usePreset, tf } from "./dist/index";');
  const rows: Array<Record<string, number>> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["-e", CHILD], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CELL: cell } });
    if (r.status !== 0) throw new Error(`run ${i + 1} failed (build dist/ first: npm run build):\n${r.stderr}`);
    rows.push(JSON.parse(r.stdout.trim().split("\n").pop() as string));
  }
  console.log(`tslab kernel start, ${runs} fresh processes; first cell: ${cell}`);
  for (const key of Object.keys(rows[0])) {
    const xs = rows.map((r) => r[key]);
    console.log(`  ${key.padEnd(13)} ${median(xs).toFixed(0).padStart(5)} ms  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`);
  }
}

main();
