// kernel/build.js: the kernel rebuilds dist/ (what the notebooks import) when it is missing or older than
// src/, and leaves it alone otherwise; a type error is reported and the emitted JavaScript still used.
// Runs on a small project in a temporary folder with this project's tsc.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { rebuildIfSourcesChanged } = require("../kernel/build") as { rebuildIfSourcesChanged(root: string, log: (line: string) => void): "fresh" | "built" | "failed" };

function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-build-"));
  fs.mkdirSync(path.join(root, "src", "sub"), { recursive: true });
  fs.mkdirSync(path.join(root, "node_modules", ".bin"), { recursive: true });
  fs.symlinkSync(fs.realpathSync(path.join(__dirname, "..", "node_modules", ".bin", "tsc")), path.join(root, "node_modules", ".bin", "tsc"));
  fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2022", rootDir: "src", outDir: "dist", strict: true, types: [] }, include: ["src/**/*.ts"] }));
  fs.writeFileSync(path.join(root, "src", "index.ts"), 'export { answer } from "./sub/answer";\n');
  fs.writeFileSync(path.join(root, "src", "sub", "answer.ts"), "export const answer = 42;\n");
  return root;
}

const later = (file: string, seconds: number) => {
  const t = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(file, t, t);
};

test("dist/ is built when missing, left alone when fresh, rebuilt when a file under src/ is newer", () => {
  const root = project();
  const lines: string[] = [];
  try {
    assert.equal(rebuildIfSourcesChanged(root, (l) => lines.push(l)), "built");
    assert.match(lines[0], /dist\/ is not built yet/);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    assert.equal(require(path.join(root, "dist", "index.js")).answer, 42);
    lines.length = 0;
    assert.equal(rebuildIfSourcesChanged(root, (l) => lines.push(l)), "fresh");
    assert.equal(lines.length, 0, lines.join("\n"));

    fs.writeFileSync(path.join(root, "src", "sub", "answer.ts"), "export const answer = 43;\n");
    later(path.join(root, "src", "sub", "answer.ts"), 5); // a nested file, newer than the build
    assert.equal(rebuildIfSourcesChanged(root, (l) => lines.push(l)), "built");
    assert.match(lines[0], /src\/ changed since dist\/ was built/);
    assert.match(fs.readFileSync(path.join(root, "dist", "sub", "answer.js"), "utf8"), /answer = 43/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a type error is reported, and what tsc emitted is kept", () => {
  const root = project();
  const lines: string[] = [];
  try {
    fs.writeFileSync(path.join(root, "src", "sub", "answer.ts"), 'export const answer: number = "forty-two";\n');
    assert.equal(rebuildIfSourcesChanged(root, (l) => lines.push(l)), "failed");
    assert.ok(lines.some((l) => /TS2322/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /tsc exited with 2; the notebooks import what it emitted/.test(l)));
    assert.ok(fs.existsSync(path.join(root, "dist", "sub", "answer.js")));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
