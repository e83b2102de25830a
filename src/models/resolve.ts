// Finds a model file: in a local folder (a path that exists, or looks like a path), else on the Hugging Face
// hub through the shared hub cache (hubDownload), e.g. "bert-base-uncased" → config.json, model.safetensors.
// The weights (resolveWeightsFile) are model.safetensors when there is one, else pytorch_model.bin, as
// transformers' from_pretrained chooses: Google's original BERT repos have only the latter on their main branch.
import * as fs from "node:fs";
import * as path from "node:path";
import { hubDownload, HubHttpError, isHubUnavailable } from "../hub/index";
import { EMBEDDED_TOKENIZERS, embeddedTokenizerDir } from "../tokenizers/resolveTokenizerFiles";

export interface HubFileOptions {
  /** Branch, tag or commit of a hub repo (default "main"). */
  revision?: string;
  /** Hub cache folder (default: the huggingface_hub cache). */
  cacheDir?: string;
  /** Only use the local hub cache (also HF_HUB_OFFLINE=1). */
  offline?: boolean;
}

function looksLikePath(s: string): boolean {
  return path.isAbsolute(s) || s.startsWith("./") || s.startsWith("../") || s.startsWith("~") || s.includes("\\") || s === "." || s === "..";
}

/** True when `nameOrDir` names an existing local folder. */
export function isLocalDir(nameOrDir: string): boolean {
  return fs.existsSync(nameOrDir) && fs.statSync(nameOrDir).isDirectory();
}

/** Local path of `filename` of the model `nameOrDir` (a folder, or a hub repo id downloaded to the cache). */
export async function resolveModelFile(nameOrDir: string, filename: string, opts: HubFileOptions = {}): Promise<string> {
  if (isLocalDir(nameOrDir)) {
    const p = path.join(nameOrDir, filename);
    if (fs.existsSync(p)) return p;
    const present = fs.readdirSync(nameOrDir).filter((f) => !f.startsWith("."));
    let hint = "";
    if (filename === "model.safetensors" && present.includes("pytorch_model.bin")) {
      hint = " It has pytorch_model.bin: resolveWeightsFile (used by fromPretrained) falls back to it.";
    } else if (filename === "model.safetensors" && present.includes("tf_model.h5")) {
      hint = " TensorFlow weights are not read: convert the checkpoint (e.g. in Python: model.save_pretrained(dir, safe_serialization=True)).";
    }
    if (filename === "model.safetensors" && present.includes("model.safetensors.index.json")) {
      hint = " Sharded checkpoints (model.safetensors.index.json) are not supported; save the model unsharded.";
    }
    throw new Error(`The model folder ${nameOrDir} has no ${filename} (it contains: ${present.join(", ") || "nothing"}).${hint}`);
  }
  if (looksLikePath(nameOrDir) || fs.existsSync(nameOrDir)) {
    throw new Error(`Model folder not found: ${path.resolve(nameOrDir)} (to load from the Hugging Face hub instead, pass a repo id such as "bert-base-uncased")`);
  }
  try {
    return await hubDownload({ repoId: nameOrDir, filename, revision: opts.revision, cacheDir: opts.cacheDir, offline: opts.offline });
  } catch (err) {
    // bert-base-uncased's config.json ships beside its tokenizer files (the hub's bytes), so it is there offline
    // as the tokenizer is; its weights do not ship.
    const embedded = path.join(embeddedTokenizerDir(), filename);
    const shipped = EMBEDDED_TOKENIZERS.includes(nameOrDir) && (opts.revision ?? "main") === "main" && filename === "config.json" && fs.existsSync(embedded);
    if (shipped && isHubUnavailable(err)) return embedded;
    throw err;
  }
}

/** Weight files fromPretrained reads, in order of preference. */
export const WEIGHTS_FILES = ["model.safetensors", "pytorch_model.bin"] as const;

/** True when a hub error says the file is absent (404 EntryNotFound, or a bare 404 from a mirror). */
function isEntryNotFound(err: unknown): boolean {
  return err instanceof HubHttpError && err.status === 404 && (err.hubErrorCode === "EntryNotFound" || err.hubErrorCode === null);
}

/**
 * Local path of the weights of `nameOrDir`: model.safetensors, else pytorch_model.bin (read by
 * ./pytorchBin.ts). In a folder, the first file present; on the hub, pytorch_model.bin is tried when
 * model.safetensors is not in the repo (404 EntryNotFound) or, offline / with the hub unreachable, not in the
 * cache. When neither can be had, the error names both files.
 */
export async function resolveWeightsFile(nameOrDir: string, opts: HubFileOptions = {}): Promise<string> {
  const [safetensors, bin] = WEIGHTS_FILES;
  if (isLocalDir(nameOrDir)) {
    for (const f of WEIGHTS_FILES) {
      const p = path.join(nameOrDir, f);
      if (fs.existsSync(p)) return p;
    }
    const present = fs.readdirSync(nameOrDir).filter((f) => !f.startsWith("."));
    let hint = "";
    if (present.includes("model.safetensors.index.json") || present.includes("pytorch_model.bin.index.json")) {
      hint = " Sharded checkpoints (*.index.json) are not supported; save the model unsharded.";
    } else if (present.includes("tf_model.h5") || present.includes("flax_model.msgpack")) {
      hint = " TensorFlow (tf_model.h5) and Flax (flax_model.msgpack) weights are not read: convert the checkpoint (e.g. in Python: model.save_pretrained(dir, safe_serialization=True)).";
    }
    throw new Error(`The model folder ${nameOrDir} has neither ${safetensors} nor ${bin} (it contains: ${present.join(", ") || "nothing"}).${hint}`);
  }
  try {
    return await resolveModelFile(nameOrDir, safetensors, opts);
  } catch (first) {
    if (!isEntryNotFound(first) && !isHubUnavailable(first)) throw first;
    try {
      return await resolveModelFile(nameOrDir, bin, opts);
    } catch (second) {
      if (second instanceof Error && first instanceof Error) {
        second.message = `Neither ${safetensors} nor ${bin} of ${nameOrDir} could be loaded. ${safetensors}: ${first.message} ${bin}: ${second.message}`;
      }
      throw second;
    }
  }
}
