// Finds a model file: in a local folder (a path that exists, or looks like a path), else on the Hugging Face
// hub through the shared hub cache (hubDownload), e.g. "bert-base-uncased" → config.json, model.safetensors.
import * as fs from "node:fs";
import * as path from "node:path";
import { hubDownload } from "../hub/index";

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
    if (filename === "model.safetensors" && present.some((f) => f === "pytorch_model.bin" || f === "tf_model.h5")) {
      hint = " Only safetensors weights are read: convert the checkpoint (e.g. in Python: model.save_pretrained(dir, safe_serialization=True)).";
    }
    if (filename === "model.safetensors" && present.includes("model.safetensors.index.json")) {
      hint = " Sharded checkpoints (model.safetensors.index.json) are not supported; save the model unsharded.";
    }
    throw new Error(`The model folder ${nameOrDir} has no ${filename} (it contains: ${present.join(", ") || "nothing"}).${hint}`);
  }
  if (looksLikePath(nameOrDir) || fs.existsSync(nameOrDir)) {
    throw new Error(`Model folder not found: ${path.resolve(nameOrDir)} (to load from the Hugging Face hub instead, pass a repo id such as "bert-base-uncased")`);
  }
  return hubDownload({ repoId: nameOrDir, filename, revision: opts.revision, cacheDir: opts.cacheDir, offline: opts.offline });
}
