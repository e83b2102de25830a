// Finds the folder holding a tokenizer's files for `loadTokenizer(nameOrDir)`, in this order:
//   1. a local folder that holds tokenizer.json;
//   2. the Hugging Face hub cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), laid out
//      as models--<org>--<name>/snapshots/<commit>/ — shared with Python, no network;
//   3. a download from the hub (src/hub hubDownload: tokenizer.json plus the optional small files);
//   4. for bert-base-uncased only: the copy shipped in this package (assets/bert-base-uncased), used when the hub
//      is off (HF_HUB_OFFLINE=1, localFilesOnly) or unreachable, with one console warning per process.
import * as fs from "node:fs";
import * as path from "node:path";
import { hubCacheDir, hubDownload, HubHttpError, isHubUnavailable, isOfflineEnv, tryLoadFromCache, validateRepoId } from "../hub/index";

export type TokenizerSource = "local" | "cache" | "hub" | "embedded";

export interface ResolvedTokenizerFiles {
  /** Folder with tokenizer.json (and, when available, tokenizer_config.json, vocab.txt, config.json). */
  dir: string;
  source: TokenizerSource;
  /** The hub repo id, when `nameOrDir` was one. */
  repoId: string | null;
}

export interface ResolveTokenizerOptions {
  /** Hub cache folder (default: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Branch, tag or commit on the hub (default "main"). */
  revision?: string;
  /** Never touch the network (also forced by HF_HUB_OFFLINE=1). */
  localFilesOnly?: boolean;
  /** Hub base URL (default $HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  /** Hub token (default $HF_TOKEN or the saved login); `false` sends none. */
  token?: string | false;
}

/** Repo ids whose tokenizer files ship with this package. */
export const EMBEDDED_TOKENIZERS: readonly string[] = ["bert-base-uncased", "google-bert/bert-base-uncased"];
const EMBEDDED_FOLDER = "bert-base-uncased";

/** Files fetched from the hub besides tokenizer.json, when the repo has them. */
const OPTIONAL_FILES = ["tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "config.json"];

let warnedEmbedded = false;

/** The folder of the shipped bert-base-uncased tokenizer files (works from src/*.ts, dist/*.js and tslab). */
export function embeddedTokenizerDir(): string {
  let dir = __dirname;
  for (let up = 0; up < 5; up++) {
    const candidate = path.join(dir, "assets", EMBEDDED_FOLDER);
    if (fs.existsSync(path.join(candidate, "tokenizer.json"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(
    `The embedded bert-base-uncased tokenizer (assets/${EMBEDDED_FOLDER}/tokenizer.json) was not found above ${__dirname}. ` +
      `Fix: reinstall the package (the assets/ folder must sit beside src/ and dist/), or pass a folder holding tokenizer.json.`,
  );
}

function looksLikePath(s: string): boolean {
  return path.isAbsolute(s) || /^\.{1,2}([\\/]|$)/.test(s) || s.startsWith("~") || s.includes("\\") || s.split("/").length > 2;
}

function useEmbedded(repoId: string, reason: string): ResolvedTokenizerFiles {
  const dir = embeddedTokenizerDir();
  if (!warnedEmbedded) {
    warnedEmbedded = true;
    // An expected situation offline, so one plain line (stdout), not a warning; the reason names no local paths.
    console.log(`${repoId}: ${reason.replace(/ \(\/[^)]*\)/g, "")}; using the copy of its tokenizer files shipped in assets/${EMBEDDED_FOLDER}/ (the hub's files).`);
  }
  return { dir, source: "embedded", repoId };
}

/** Resolves `nameOrDir` to a folder holding tokenizer.json (see the order at the top of this file). */
export async function resolveTokenizerFiles(nameOrDir: string, opts: ResolveTokenizerOptions = {}): Promise<ResolvedTokenizerFiles> {
  if (typeof nameOrDir !== "string" || nameOrDir.trim() === "") {
    throw new TypeError(`loadTokenizer needs a hub repo id (e.g. "bert-base-uncased") or a folder holding tokenizer.json, got ${JSON.stringify(nameOrDir)}.`);
  }
  const asPath = path.resolve(nameOrDir.startsWith("~/") ? path.join(process.env.HOME ?? "", nameOrDir.slice(2)) : nameOrDir);
  if (fs.existsSync(asPath) && fs.statSync(asPath).isDirectory()) {
    if (fs.existsSync(path.join(asPath, "tokenizer.json"))) return { dir: asPath, source: "local", repoId: null };
    throw new Error(
      `${asPath} has no tokenizer.json: this port reads the fast-tokenizer file. ` +
        `Fix: point at a folder written by savePretrained (or a hub snapshot), or pass a hub repo id such as "bert-base-uncased".`,
    );
  }
  if (looksLikePath(nameOrDir)) {
    throw new Error(`Tokenizer folder ${asPath} does not exist. Fix: check the path, or pass a hub repo id such as "bert-base-uncased".`);
  }

  const repoId = nameOrDir;
  validateRepoId(repoId);
  const revision = opts.revision ?? "main";
  const ref = { repoId, filename: "tokenizer.json", revision, cacheDir: opts.cacheDir };
  const offline = opts.localFilesOnly === true || isOfflineEnv();
  const common = { repoId, revision, cacheDir: opts.cacheDir, endpoint: opts.endpoint, token: opts.token, progress: false };
  const cached = tryLoadFromCache(ref);
  if (cached) {
    // A download cut short after tokenizer.json leaves the cache without tokenizer_config.json (which carries
    // model_max_length): fetch the optional files once more when online, else use what is there.
    if (!offline && !fs.existsSync(path.join(path.dirname(cached), "tokenizer_config.json"))) {
      await fetchOptionalFiles(common).catch((err: unknown) => {
        if (!isHubUnavailable(err)) throw err;
      });
    }
    return { dir: path.dirname(cached), source: "cache", repoId };
  }

  const embeddedOk = EMBEDDED_TOKENIZERS.includes(repoId) && revision === "main";
  const cacheDir = opts.cacheDir ?? hubCacheDir();
  if (offline) {
    const why = opts.localFilesOnly ? "localFilesOnly was passed" : "HF_HUB_OFFLINE is set";
    if (embeddedOk) return useEmbedded(repoId, `not in the hub cache (${cacheDir}) and ${why}`);
    throw new Error(
      `Tokenizer "${repoId}" is not in the hub cache (${cacheDir}) and ${why}, so it cannot be downloaded. ` +
        `Fix: unset HF_HUB_OFFLINE (and localFilesOnly) to download it once, or pass a folder holding tokenizer.json.`,
    );
  }

  let tokenizerFile: string;
  try {
    tokenizerFile = await hubDownload({ ...common, filename: "tokenizer.json" });
  } catch (err) {
    if (isHubUnavailable(err) && embeddedOk) return useEmbedded(repoId, `the hub is unreachable (${(err as Error).message.split(". ")[0]})`);
    if (err instanceof HubHttpError && err.status === 404) {
      throw new Error(
        `Tokenizer "${repoId}" (revision ${revision}) has no tokenizer.json on the hub: ${err.message} ` +
          `This port reads the fast-tokenizer file only. Fix: check the repo id, or convert the tokenizer with Python ` +
          `(AutoTokenizer.from_pretrained(...).save_pretrained(dir)) and pass that folder.`,
      );
    }
    throw err;
  }
  await fetchOptionalFiles(common);
  return { dir: path.dirname(tokenizerFile), source: "hub", repoId };
}

/** Downloads the optional files beside tokenizer.json into the cache, skipping those the repo lacks. */
async function fetchOptionalFiles(common: Omit<Parameters<typeof hubDownload>[0], "filename">): Promise<void> {
  for (const filename of OPTIONAL_FILES) {
    try {
      await hubDownload({ ...common, filename });
    } catch (err) {
      if (err instanceof HubHttpError && err.status === 404) continue; // the repo simply lacks this optional file
      throw err;
    }
  }
}

/** For tests: forget that the embedded-copy warning was shown. */
export function resetEmbeddedWarning(): void {
  warnedEmbedded = false;
}
