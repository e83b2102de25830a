// Stage artifacts of a run directory: each notebook stage writes runs/<run>/<stage>/ atomically, with its files
// and a manifest.json recording its parameters, the fingerprints of its inputs (upstream stages), the rows it
// produced and the SHA-256 of each file. Its own fingerprint covers stage name, params, inputs and file hashes,
// so a downstream stage can tell when what it was built from has changed, and say why and what to re-run.
import * as fs from "node:fs";
import * as path from "node:path";
import { restoreReplacedDir, writeDirAtomic, writeJsonAtomic } from "../io/atomic";
import { fingerprint, stableStringify } from "../datasets/fingerprint";
import { sha256File } from "../io/hash";

/** The pipeline's stages, one per notebook. */
export const STAGES = {
  load: "01-load",
  split: "02-split",
  tokenize: "03-tokenize",
  format: "04-format",
  model: "05-model",
  metrics: "06-metrics",
  train: "07-train",
  evaluate: "08-evaluate",
  save: "09-save",
  pipeline: "10-pipeline",
} as const;

/** "NN-name", e.g. "02-split". */
export type StageName = string;
export type StageParams = Record<string, unknown>;

export interface StageFileInfo {
  bytes: number;
  sha256: string;
}

export interface StageManifest {
  stage: StageName;
  params: StageParams;
  /** Input name (usually an upstream stage) → its fingerprint when this stage was built. */
  inputs: Record<string, string>;
  /** Params of upstream stages at build time, to explain later what changed. */
  upstream: Record<string, { fingerprint: string; params: StageParams }>;
  fingerprint: string;
  /** Row counts per part, e.g. { train: 22500, validation: 2500 }. */
  rows: Record<string, number>;
  createdAt: string;
  /** Files of the stage folder (relative paths) with size and SHA-256. */
  files: Record<string, StageFileInfo>;
  /** Anything else worth recording (e.g. the data source of 01-load). */
  info?: Record<string, unknown>;
}

/** An input given to writeStage: an upstream manifest (preferred: its params are kept for explanations) or a fingerprint. */
export type StageInput = string | Pick<StageManifest, "fingerprint" | "params">;

export interface StageManifestPart {
  params: StageParams;
  inputs?: Record<string, StageInput>;
  rows?: Record<string, number>;
  info?: Record<string, unknown>;
}

export interface StageStatus {
  fresh: boolean;
  /** Why (e.g. "02-split changed (seed 42 → 7): re-run 03-tokenize"), or what it is up to date with. */
  reason: string;
  /** Stages to re-run, in order (empty when fresh). */
  rerun: StageName[];
  /** What made it stale, without the advice (for a stage that redoes the work itself); empty when fresh. */
  cause: string;
  manifest: StageManifest | null;
}

export const MANIFEST_FILE = "manifest.json";

function checkStageName(stage: string): void {
  if (!/^\d{2}-[a-z0-9][a-z0-9-]*$/.test(stage)) throw new Error(`Invalid stage name ${JSON.stringify(stage)}: expected "NN-name" such as "02-split".`);
}

export function stageDir(runDir: string, stage: StageName): string {
  checkStageName(stage);
  return path.join(runDir, stage);
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else if (e.isFile() && rel !== MANIFEST_FILE) out.push(rel);
  }
  return out.sort();
}

/**
 * Writes stage `stage` of `runDir`: `fill(dir)` writes the stage's files into a temporary folder, then the
 * manifest is added and the folder replaces runDir/<stage> in one rename (an interrupted write leaves the old one).
 */
export async function writeStage(
  runDir: string,
  stage: StageName,
  part: StageManifestPart,
  fill: (dir: string) => void | Promise<void>,
): Promise<StageManifest> {
  const dir = stageDir(runDir, stage);
  const inputs: Record<string, string> = {};
  const upstream: StageManifest["upstream"] = {};
  for (const [name, input] of Object.entries(part.inputs ?? {})) {
    if (typeof input === "string") inputs[name] = input;
    else {
      inputs[name] = input.fingerprint;
      upstream[name] = { fingerprint: input.fingerprint, params: input.params };
    }
  }
  let manifest: StageManifest | null = null;
  await writeDirAtomic(dir, async (tmp) => {
    await fill(tmp);
    const files: Record<string, StageFileInfo> = {};
    for (const rel of listFiles(tmp)) {
      const abs = path.join(tmp, ...rel.split("/"));
      files[rel] = { bytes: fs.statSync(abs).size, sha256: sha256File(abs) };
    }
    const params = JSON.parse(stableStringify(part.params)) as StageParams;
    manifest = {
      stage,
      params,
      inputs,
      upstream,
      fingerprint: fingerprint(stage, params, inputs, files),
      rows: part.rows ?? {},
      createdAt: new Date().toISOString(),
      files,
      ...(part.info ? { info: part.info } : {}),
    };
    writeJsonAtomic(path.join(tmp, MANIFEST_FILE), manifest);
  });
  return manifest as unknown as StageManifest;
}

/** The manifest of a stage, or null when the stage has not been written. */
export function readStage(runDir: string, stage: StageName): StageManifest | null {
  restoreReplacedDir(stageDir(runDir, stage)); // a crash while the stage was being replaced left it parked
  const file = path.join(stageDir(runDir, stage), MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as StageManifest;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): delete ${path.dirname(file)} and re-run ${stage}.`);
  }
}

/** Like readStage but throws a clear error when the stage is missing. */
export function requireStage(runDir: string, stage: StageName, neededBy?: StageName): StageManifest {
  const m = readStage(runDir, stage);
  if (!m) {
    throw new Error(`${stage} has not been run in ${runDir}${neededBy ? ` (${neededBy} needs it)` : ""}: run notebook ${stage} first.`);
  }
  return m;
}

function short(v: unknown): string {
  const s = v === undefined ? "unset" : stableStringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** "seed 42 → 7, testSize 0.1 → 0.2" for the keys whose values differ. */
export function describeParamChanges(before: StageParams, after: StageParams): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .filter((k) => stableStringify(before[k]) !== stableStringify(after[k]))
    .map((k) => `${k} ${short(before[k])} → ${short(after[k])}`)
    .join(", ");
}

function verifyFiles(runDir: string, m: StageManifest): string | null {
  const dir = stageDir(runDir, m.stage);
  for (const [rel, info] of Object.entries(m.files)) {
    let size = -1;
    try {
      size = fs.statSync(path.join(dir, ...rel.split("/"))).size;
    } catch {
      size = -1;
    }
    if (size !== info.bytes) return size < 0 ? `file ${rel} of ${m.stage} is missing` : `file ${rel} of ${m.stage} has ${size} bytes, ${info.bytes} expected`;
  }
  return null;
}

function expectedFingerprint(input: StageInput): { fingerprint: string; params?: StageParams } {
  return typeof input === "string" ? { fingerprint: input } : input;
}

function status(runDir: string, stage: StageName, expectedInputs: Record<string, StageInput> | undefined, expectedParams: StageParams | undefined, depth: number): StageStatus {
  if (depth > 32) throw new Error(`Stage inputs form a cycle around ${stage}.`);
  const m = readStage(runDir, stage);
  const stale = (cause: string, rerun: StageName[]): StageStatus => ({ fresh: false, cause, reason: `${cause}: re-run ${rerun.join(", then ")}`, rerun, manifest: m });
  if (!m) return stale(`${stage} has not been run in ${runDir}`, [stage]);
  const fileProblem = verifyFiles(runDir, m);
  if (fileProblem) return stale(fileProblem, [stage]);
  if (expectedParams) {
    const changes = describeParamChanges(m.params, JSON.parse(stableStringify(expectedParams)) as StageParams);
    if (changes) return stale(`${stage} params changed (${changes})`, [stage]);
  }
  const names = [...new Set([...Object.keys(m.inputs), ...Object.keys(expectedInputs ?? {})])];
  for (const name of names) {
    const built = m.inputs[name];
    if (built === undefined) return stale(`${stage} has a new input ${name}`, [stage]);
    let current: { fingerprint: string; params?: StageParams } | null = null;
    if (expectedInputs && expectedInputs[name] !== undefined) {
      current = expectedFingerprint(expectedInputs[name]);
    } else if (/^\d{2}-/.test(name)) {
      const up = status(runDir, name, undefined, undefined, depth + 1);
      if (!up.manifest) return stale(`${name} (an input of ${stage}) is missing`, [...up.rerun, stage]);
      if (!up.fresh) return stale(`${name} is stale (${up.cause})`, [...up.rerun, stage]);
      current = { fingerprint: up.manifest.fingerprint, params: up.manifest.params };
    } else {
      continue; // a non-stage input (e.g. a source file) without an expected value: nothing to compare against
    }
    if (current.fingerprint !== built) {
      const before = m.upstream?.[name]?.params;
      const changes = before && current.params ? describeParamChanges(before, current.params) : "";
      const what = changes || `its output differs: fingerprint ${built} → ${current.fingerprint}`;
      return stale(`${name} changed (${what})`, [stage]);
    }
  }
  const inputsText = Object.entries(m.inputs).map(([k, v]) => `${k} ${v}`).join(", ");
  return { fresh: true, cause: "", reason: `${stage} is up to date (fingerprint ${m.fingerprint}${inputsText ? `; inputs ${inputsText}` : ""})`, rerun: [], manifest: m };
}

/**
 * Whether runDir/<stage> is up to date. Inputs that are stages are checked recursively against their current
 * manifests (so a change in 02 marks 03 and 04 stale); `expectedInputs` overrides them, and `expectedParams`
 * compares the stage's own recorded params with the ones about to be used.
 */
export function stageStatus(runDir: string, stage: StageName, expectedInputs?: Record<string, StageInput>, expectedParams?: StageParams): StageStatus {
  return status(runDir, stage, expectedInputs, expectedParams, 0);
}
