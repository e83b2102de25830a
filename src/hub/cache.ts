// The local Hugging Face hub cache, laid out exactly as Python's huggingface_hub does, so both share files:
//   <cache>/<models|datasets>--<org>--<name>/blobs/<etag>                 file content, named by its ETag
//   <cache>/<models|datasets>--<org>--<name>/snapshots/<commit>/<file>    symlink (or copy) to the blob
//   <cache>/<models|datasets>--<org>--<name>/refs/<revision>              commit hash a branch/tag pointed to
// <cache> is HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (XDG_CACHE_HOME respected).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type RepoType = "model" | "dataset";

/** Identifies one file of one hub repository at one revision. */
export interface HubFileRef {
  /** "org/name" (or a legacy single name such as "bert-base-uncased"). */
  repoId: string;
  /** Path inside the repository, forward slashes, e.g. "plain_text/train-00000-of-00001.parquet". */
  filename: string;
  repoType?: RepoType;
  /** Branch, tag or 40-hex commit; default "main". */
  revision?: string;
  /** Overrides hubCacheDir(). */
  cacheDir?: string;
}

export const DEFAULT_REVISION = "main";

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (huggingface_hub's rule). */
export function hfHome(): string {
  const env = process.env;
  if (env.HF_HOME) return path.resolve(expandHome(env.HF_HOME));
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.resolve(xdg, "huggingface");
}

/**
 * The hub cache folder: HF_HUB_CACHE (or legacy HUGGINGFACE_HUB_CACHE), else <hfHome()>/hub. Not @huggingface/hub's
 * getHFHubCachePath (2.17.5): it neither expands "~" nor resolves relative paths, and takes an empty variable as set.
 */
export function hubCacheDir(): string {
  const env = process.env;
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return explicit ? path.resolve(expandHome(explicit)) : path.join(hfHome(), "hub");
}

/** True when HF_HUB_OFFLINE (or legacy TRANSFORMERS_OFFLINE) is set to 1/true/yes/on. */
export function isOfflineEnv(): boolean {
  const truthy = (v: string | undefined) => v !== undefined && ["1", "true", "yes", "on"].includes(v.trim().toLowerCase());
  return truthy(process.env.HF_HUB_OFFLINE) || truthy(process.env.TRANSFORMERS_OFFLINE);
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** Checks a repo id the way huggingface_hub does; throws a clear error otherwise. */
export function validateRepoId(repoId: string): void {
  const ok = /^([\w.-]+\/)?[\w.-]{1,96}$/.test(repoId) && !repoId.includes("--") && !repoId.includes("..");
  if (!ok || /^[-.]|[-.]$/.test(repoId)) {
    throw new Error(`Invalid hub repo id ${JSON.stringify(repoId)}: expected "name" or "org/name" (letters, digits, "-", "_", "."; no "--" or "..").`);
  }
}

/** Checks that a file path stays inside the repository folder. */
export function validateFilename(filename: string): void {
  const parts = filename.split("/");
  if (!filename || filename.startsWith("/") || filename.includes("\\") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`Invalid hub file name ${JSON.stringify(filename)}: expected a relative path with "/" separators and no "." or ".." parts.`);
  }
}

/** "datasets--stanfordnlp--imdb" for ("stanfordnlp/imdb", "dataset"). */
export function repoFolderName(repoId: string, repoType: RepoType = "model"): string {
  return `${repoType}s--${repoId.split("/").join("--")}`;
}

export interface CachePaths {
  repoDir: string;
  /** Commit the revision resolves to locally (the revision itself when it is a commit or has no ref). */
  commit: string;
  /** snapshots/<commit>/<filename> */
  pointer: string;
}

function localCommit(repoDir: string, revision: string): string {
  if (isCommitHash(revision)) return revision;
  const ref = path.join(repoDir, "refs", revision);
  try {
    const commit = fs.readFileSync(ref, "utf8").trim();
    if (commit) return commit;
  } catch {
    // no ref for this revision: fall through (huggingface_hub then looks for snapshots/<revision>)
  }
  return revision;
}

/** Where a file lives (or would live) in the cache, resolving the revision through refs/ without network. */
export function cachePaths(ref: HubFileRef): CachePaths {
  validateRepoId(ref.repoId);
  validateFilename(ref.filename);
  const repoDir = path.join(ref.cacheDir ?? hubCacheDir(), repoFolderName(ref.repoId, ref.repoType ?? "model"));
  const commit = localCommit(repoDir, ref.revision ?? DEFAULT_REVISION);
  return { repoDir, commit, pointer: path.join(repoDir, "snapshots", commit, ...ref.filename.split("/")) };
}

/**
 * The cached file's path when it is in the local cache for that revision, else null. Never touches the
 * network (huggingface_hub's try_to_load_from_cache).
 */
export function tryLoadFromCache(ref: HubFileRef): string | null {
  const { pointer } = cachePaths(ref);
  try {
    return fs.statSync(pointer).isFile() ? pointer : null; // statSync follows the symlink: a dangling one is "not cached"
  } catch {
    return null;
  }
}

/** The blob a snapshot entry points to (itself when it is a copy rather than a symlink). */
export function blobOf(pointer: string): string {
  try {
    return fs.lstatSync(pointer).isSymbolicLink() ? path.resolve(path.dirname(pointer), fs.readlinkSync(pointer)) : pointer;
  } catch {
    return pointer;
  }
}

/**
 * Deletes a cached file (its snapshot entry and the blob behind it), e.g. after a reader found it corrupt, so
 * the next hubDownload fetches it again. Returns true when something was removed.
 */
export function removeCachedFile(ref: HubFileRef): boolean {
  const { pointer } = cachePaths(ref);
  let isLink: boolean;
  try {
    isLink = fs.lstatSync(pointer).isSymbolicLink();
  } catch {
    return false; // nothing cached
  }
  if (isLink) fs.rmSync(blobOf(pointer), { force: true });
  fs.rmSync(pointer, { force: true });
  return true;
}
