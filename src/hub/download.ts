// Downloads one file from the Hugging Face hub into the shared cache (see ./cache.ts) and returns its local path.
// Same protocol as huggingface_hub's hf_hub_download: a HEAD request on .../resolve/<revision>/<file> gives the
// commit (X-Repo-Commit), the content id (X-Linked-Etag for LFS files, else ETag) and the size (X-Linked-Size or
// Content-Length); the body is streamed to blobs/<etag>.incomplete, resumed with a Range header after a cut
// connection (within a call, and across calls), checked against the announced size and, for LFS files whose
// ETag is the SHA-256, against that hash, then renamed into place and linked from snapshots/<commit>/<file>.
//
// Not @huggingface/hub's downloadFileToCacheDir: checked in @huggingface/hub 2.17.5 (its src/, and by running it
// against test/hubTestServer.ts with a paths-info endpoint added), it writes blobs/ and snapshots/ but
// - names the snapshot folder after the commit that last changed the file (paths-info lastCommit), not the commit
//   the revision points to (X-Repo-Commit), and writes no refs/<revision>: Python's cache lookup (refs/main ->
//   snapshots/<commit>/) and tryLoadFromCache do not find what it downloads;
// - has no offline mode (HF_HUB_OFFLINE is not read; every call for a branch POSTs /api/.../paths-info);
// - does not resume: .incomplete is rewritten from byte 0, with no Range header and no retry; a cut connection
//   throws undici's bare TypeError("terminated"), and no timeout or AbortSignal can be given;
// - verifies nothing: no size or SHA-256 check (altered bytes are stored as the blob), and a cached blob is
//   returned as it is, truncated or not;
// - has no progress callback, and no sharing of concurrent calls (three at once for one file race on one
//   .incomplete and fail with ENOENT on rename);
// - reads neither HF_ENDPOINT nor HF_TOKEN / the token file (only hubUrl, accessToken) and rejects tokens that do
//   not start with "hf_";
// - a missing file is a plain Error("cannot get path info ..."), an HTTP error a HubApiError that keeps the status
//   and body but drops the X-Error-Code header (RepoNotFound, GatedRepo, EntryNotFound), a network error a bare
//   TypeError("fetch failed");
// - puts file names into the URL unencoded ("a b#c.json" is requested as "a%20b").
// Its fileDownloadInfo cannot replace getHubFileMetadata: it returns no commit, follows the LFS redirect so its
// ETag is the CDN's instead of X-Linked-Etag's SHA-256, sends a ranged GET instead of a HEAD, and returns null for
// EntryNotFound. Its getRepoFolderName equals our one-line repoFolderName and its getHFHubCachePath does not expand
// "~"; neither is worth the dependency (≈ 120-200 ms to load, with @huggingface/tasks). So nothing is used from it.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256File } from "../io/hash";
import { writeFileAtomic } from "../io/atomic";
import { ProgressBar, progressBar } from "../progress";
import {
  blobOf,
  cachePaths,
  DEFAULT_REVISION,
  HubFileRef,
  hfHome,
  hubCacheDir,
  isCommitHash,
  isOfflineEnv,
  repoFolderName,
  tryLoadFromCache,
} from "./cache";
import { HubConnectionError, HubError, HubHttpError, HubIntegrityError, HubOfflineError } from "./errors";

export interface HubDownloadOptions extends HubFileRef {
  /** Hub base URL; default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Use only the local cache (also forced by HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Bearer token; default $HF_TOKEN, else the token file huggingface-cli login writes. `false`: send none. */
  token?: string | false;
  /** Download again even when the file is cached. */
  forceDownload?: boolean;
  /** Times a cut or stalled download is resumed within this call (default 5). */
  maxRetries?: number;
  /** First pause before a retry, doubled each time up to 10 s (default 1000 ms). */
  retryDelayMs?: number;
  /** Timeout of the metadata (HEAD) request and of waiting for response headers (default $HF_HUB_ETAG_TIMEOUT s, 10 s). */
  timeoutMs?: number;
  /** A download that receives no bytes for this long is aborted and resumed (default $HF_HUB_DOWNLOAD_TIMEOUT s, 10 s). */
  stallTimeoutMs?: number;
  /** Show a byte progress bar (default true). */
  progress?: boolean;
  /** Extra fix suggested when the file is neither cached nor downloadable (e.g. "set IMDB_DATA_DIR=../shared/imdb"). */
  missingHint?: string;
}

export interface HubFileMetadata {
  /** Commit the revision resolved to. */
  commit: string;
  /** Content id without quotes: the SHA-256 for LFS files, the git blob id otherwise. */
  etag: string;
  /** Size in bytes, when the hub said. */
  size: number | null;
  /** URL the metadata came from (after relative redirects, e.g. a renamed repo). */
  location: string;
}

const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Downloads in progress in this process, by blob path (see hubDownload). */
const blobDownloads = new Map<string, Promise<void>>();

function envSeconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback * 1000;
}

export function hubEndpoint(endpoint?: string): string {
  return (endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
}

/** `${endpoint}/${datasets/}${repoId}/resolve/${revision}/${filename}` with each part URL-encoded. */
export function hubFileUrl(opts: HubFileRef & { endpoint?: string }): string {
  const prefix = opts.repoType === "dataset" ? "datasets/" : "";
  const file = opts.filename.split("/").map(encodeURIComponent).join("/");
  return `${hubEndpoint(opts.endpoint)}/${prefix}${opts.repoId}/resolve/${encodeURIComponent(opts.revision ?? DEFAULT_REVISION)}/${file}`;
}

/** The token to send: explicit, else $HF_TOKEN / $HUGGING_FACE_HUB_TOKEN, else the file `huggingface-cli login` wrote. */
export function hubToken(token?: string | false): string | null {
  if (token === false) return null;
  if (token) return token;
  const env = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN;
  if (env) return env.trim();
  try {
    const t = fs.readFileSync(process.env.HF_TOKEN_PATH || path.join(hfHome(), "token"), "utf8").trim();
    return t || null;
  } catch {
    return null;
  }
}

function requestHeaders(token: string | null): Record<string, string> {
  const h: Record<string, string> = { "accept-encoding": "identity", "user-agent": "bert-imdb-ts/0.1 (hub client; node)" };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

function describe(opts: HubFileRef): string {
  return `${opts.repoType === "dataset" ? "dataset" : "model"} ${opts.repoId} file "${opts.filename}" (revision ${opts.revision ?? DEFAULT_REVISION})`;
}

function normalizeEtag(raw: string | null): string | null {
  if (!raw) return null;
  return raw.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = cause && typeof cause === "object" && "code" in cause ? ` ${(cause as { code: unknown }).code}` : "";
  const causeMsg = cause instanceof Error && cause.message !== err.message ? `: ${cause.message}` : "";
  return `${err.message}${code}${causeMsg}`;
}

function httpError(status: number, statusText: string, url: string, hubCode: string | null, opts: HubFileRef): HubHttpError {
  const what = describe(opts);
  let hint: string;
  if ((status === 401 || status === 403) && hubCode === "RepoNotFound") {
    // The hub answers 401 (not 404) for a repo it cannot show without a token: one that does not exist, a
    // dataset asked for as a model, or a private repo.
    hint = `no such repo is visible: check the repo id (datasets need repoType "dataset"); if it is private, set HF_TOKEN to a token that can read it`;
  } else if (status === 401 || status === 403) {
    hint = hubCode === "GatedRepo"
      ? `the repo is gated: accept its terms on the hub, then set HF_TOKEN to a token of that account`
      : `the repo is private or gated, or the token is wrong: set HF_TOKEN to a valid token (or check the repo id)`;
  } else if (status === 404) {
    hint = hubCode === "EntryNotFound"
      ? `the repo exists but has no such file at that revision: check the file name`
      : hubCode === "RevisionNotFound"
        ? `the repo has no revision "${opts.revision ?? DEFAULT_REVISION}": check the branch, tag or commit`
        : `no such repo, revision or file: check the repo id (datasets need repoType "dataset"), the revision and the file name`;
  } else if (status === 429) {
    hint = `rate-limited by the hub: wait a little and retry, or set HF_TOKEN`;
  } else {
    hint = `the hub (or HF_ENDPOINT) answered with an error: retry later`;
  }
  return new HubHttpError(`HTTP ${status} ${statusText} for ${what} at ${url}${hubCode ? ` (${hubCode})` : ""}: ${hint}.`, status, hubCode);
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number, controller = new AbortController()): Promise<Response> {
  const timer = setTimeout(() => controller.abort(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The hub's metadata for one file (HEAD request): commit, ETag and size. Relative redirects (renamed repos)
 * are followed; a redirect to a CDN is not, since the hub puts the LFS headers on the redirect itself.
 */
export async function getHubFileMetadata(opts: HubDownloadOptions): Promise<HubFileMetadata> {
  const headers = requestHeaders(hubToken(opts.token));
  const timeoutMs = opts.timeoutMs ?? envSeconds("HF_HUB_ETAG_TIMEOUT", 10);
  let url = hubFileUrl(opts);
  for (let hop = 0; hop < 5; hop++) {
    let res: Response;
    try {
      res = await fetchWithTimeout(url, { method: "HEAD", headers, redirect: "manual" }, timeoutMs);
    } catch (err) {
      throw new HubConnectionError(`Could not reach the hub at ${url}: ${causeText(err)}`, err);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:/i.test(location)) {
      url = new URL(location, url).toString(); // relative: renamed/moved repo, ask again there
      continue;
    }
    if (res.status >= 400) throw httpError(res.status, res.statusText, url, res.headers.get("x-error-code"), opts);
    const commit = res.headers.get("x-repo-commit");
    const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
    if (!commit || !etag) {
      throw new HubError(
        "HUB_BAD_RESPONSE",
        `The server at ${url} did not send ${!commit ? "X-Repo-Commit" : "an ETag"} for ${describe(opts)}; is HF_ENDPOINT (${hubEndpoint(opts.endpoint)}) a Hugging Face hub or a faithful mirror?`,
      );
    }
    const linkedSize = res.headers.get("x-linked-size");
    const contentLength = res.status === 200 ? res.headers.get("content-length") : null;
    const sizeText = linkedSize ?? contentLength;
    const size = sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : null;
    return { commit, etag, size, location: url };
  }
  throw new HubError("HUB_BAD_RESPONSE", `Too many redirects for ${describe(opts)} starting at ${hubFileUrl(opts)}.`);
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

/** Points snapshots/<commit>/<file> at the blob: a relative symlink, or a copy where symlinks are not allowed. */
function linkPointer(blob: string, pointer: string): void {
  fs.mkdirSync(path.dirname(pointer), { recursive: true });
  fs.rmSync(pointer, { force: true });
  try {
    fs.symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
  } catch {
    fs.copyFileSync(blob, pointer);
  }
}

class RetryableError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface StreamContext {
  url: string;
  headers: Record<string, string>;
  incomplete: string;
  expectedSize: number | null;
  timeoutMs: number;
  stallTimeoutMs: number;
  bar: ProgressBar | null;
  opts: HubDownloadOptions;
}

/** One GET, appending to `.incomplete` from its current size; throws RetryableError when cut short. */
async function streamOnce(ctx: StreamContext): Promise<void> {
  let have = Math.max(0, fileSize(ctx.incomplete));
  const headers = { ...ctx.headers };
  if (have > 0) headers.range = `bytes=${have}-`;
  const controller = new AbortController();
  let res: Response;
  try {
    res = await fetchWithTimeout(ctx.url, { method: "GET", headers, redirect: "follow" }, ctx.timeoutMs, controller);
  } catch (err) {
    throw new RetryableError(`request failed: ${causeText(err)}`, { cause: err });
  }
  if (res.status === 416) {
    await res.body?.cancel().catch(() => undefined);
    fs.truncateSync(ctx.incomplete, 0); // our partial file does not fit the server's file: start over
    throw new RetryableError(`range bytes=${have}- not satisfiable; restarting from 0`);
  }
  if (res.status >= 400) {
    await res.body?.cancel().catch(() => undefined);
    const err = httpError(res.status, res.statusText, ctx.url, res.headers.get("x-error-code"), ctx.opts);
    if (res.status >= 500 || res.status === 429) throw new RetryableError(err.message, { cause: err });
    throw err;
  }
  let flags = "a";
  if (res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get("content-range") ?? "");
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel().catch(() => undefined);
      fs.truncateSync(ctx.incomplete, 0);
      throw new RetryableError(`server answered range bytes=${have}- with Content-Range ${res.headers.get("content-range")}; restarting from 0`);
    }
  } else {
    flags = "w"; // the server sent the whole file (Range ignored or not asked)
    have = 0;
  }
  if (!res.body) throw new RetryableError("response has no body");
  const fd = fs.openSync(ctx.incomplete, flags);
  const reader = res.body.getReader();
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const armStall = () => {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = setTimeout(() => controller.abort(new Error(`no data for ${ctx.stallTimeoutMs} ms`)), ctx.stallTimeoutMs);
  };
  try {
    ctx.bar?.update(have);
    armStall();
    for (;;) {
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new RetryableError(`connection lost after ${have} bytes: ${causeText(err)}`, { cause: err });
      }
      if (chunk.done || !chunk.value) break;
      armStall();
      fs.writeSync(fd, chunk.value);
      have += chunk.value.byteLength;
      ctx.bar?.update(have);
    }
  } finally {
    if (stallTimer) clearTimeout(stallTimer);
    fs.closeSync(fd);
  }
  if (ctx.expectedSize !== null && have < ctx.expectedSize) {
    throw new RetryableError(`connection closed after ${have} of ${ctx.expectedSize} bytes`);
  }
}

async function downloadWithResume(ctx: StreamContext, maxRetries: number, retryDelayMs: number): Promise<void> {
  let attempt = 0;
  for (;;) {
    const have = fileSize(ctx.incomplete);
    if (ctx.expectedSize !== null && have > ctx.expectedSize) fs.truncateSync(ctx.incomplete, 0);
    if (ctx.expectedSize !== null && have === ctx.expectedSize) return; // a previous call finished the bytes
    try {
      await streamOnce(ctx);
      return;
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      if (attempt >= maxRetries) {
        const kept = Math.max(0, fileSize(ctx.incomplete));
        throw new HubConnectionError(
          `Downloading ${describe(ctx.opts)} from ${ctx.url} failed after ${attempt + 1} attempt(s): ${err.message}. ` +
            `${kept} bytes are kept in ${ctx.incomplete}; calling again resumes from there.`,
          err,
        );
      }
      attempt += 1;
      await sleep(Math.min(10_000, retryDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function offlineError(opts: HubDownloadOptions, reason: string): HubOfflineError {
  const cacheDir = opts.cacheDir ?? hubCacheDir();
  const repoDir = path.join(cacheDir, repoFolderName(opts.repoId, opts.repoType ?? "model"));
  const local = opts.missingHint ?? "copy the file into a local folder and point the loader at it";
  return new HubOfflineError(
    `${describe(opts)} is not in the local hub cache (${repoDir}) and ${reason}, so it cannot be downloaded. ` +
      `Fix: go online (unset HF_HUB_OFFLINE, or pass offline: false) so it is downloaded once into the cache, ` +
      `or use a local copy instead: ${local}.`,
  );
}

/**
 * Returns the local path of `filename` from a hub repo, downloading it into the cache when needed.
 * Offline (HF_HUB_OFFLINE=1 or `offline: true`) only the cache is used. When the hub cannot be reached but the
 * file is cached for that revision, the cached copy is returned with a warning.
 */
export async function hubDownload(opts: HubDownloadOptions): Promise<string> {
  const ref: HubFileRef = { ...opts, repoType: opts.repoType ?? "model", revision: opts.revision ?? DEFAULT_REVISION };
  const full: HubDownloadOptions = { ...opts, ...ref };
  const cacheDir = opts.cacheDir ?? hubCacheDir();
  const offline = opts.offline ?? isOfflineEnv();
  const cached = tryLoadFromCache(ref);
  if (offline) {
    if (cached) return cached;
    throw offlineError(full, opts.offline ? "offline: true was passed" : "HF_HUB_OFFLINE is set");
  }
  if (cached && !opts.forceDownload && isCommitHash(ref.revision as string)) return cached; // a commit never changes

  let meta: HubFileMetadata;
  try {
    meta = await getHubFileMetadata(full);
  } catch (err) {
    const transient = err instanceof HubConnectionError || (err instanceof HubHttpError && (err.status >= 500 || err.status === 429));
    if (transient && cached && !opts.forceDownload) {
      console.warn(`hub unreachable (${(err as Error).message}); using the cached ${describe(full)} at ${cached}`);
      return cached;
    }
    if (err instanceof HubConnectionError) {
      throw new HubConnectionError(
        `${err.message}. ${describe(full)} is not in the local hub cache (${cacheDir}). ` +
          `Fix: check the network or HF_ENDPOINT, ${opts.missingHint ? `or use a local copy: ${opts.missingHint}` : "or copy the file into a local folder and point the loader at it"}.`,
        err.cause,
      );
    }
    throw err;
  }

  const revision = ref.revision as string;
  const { repoDir } = cachePaths(ref);
  if (revision !== meta.commit) {
    const refFile = path.join(repoDir, "refs", ...revision.split("/"));
    let old: string | null = null;
    try {
      old = fs.readFileSync(refFile, "utf8").trim();
    } catch {
      old = null;
    }
    if (old !== meta.commit) writeFileAtomic(refFile, meta.commit);
  }
  const pointer = path.join(repoDir, "snapshots", meta.commit, ...ref.filename.split("/"));
  const blob = path.join(repoDir, "blobs", meta.etag);
  const sizeOk = (file: string) => meta.size === null || fileSize(file) === meta.size;

  if (!opts.forceDownload) {
    if (fileSize(pointer) >= 0) {
      if (sizeOk(pointer)) return pointer;
      fs.rmSync(blobOf(pointer), { force: true }); // truncated or stale cache entry: fetch again
      fs.rmSync(pointer, { force: true });
    }
    if (fileSize(blob) >= 0 && sizeOk(blob)) {
      linkPointer(blob, pointer);
      return pointer;
    }
  }

  // One download per blob at a time in this process: callers that ask for the same file concurrently (a model
  // and its tokenizer both reading config.json) share it instead of writing the same .incomplete file at once.
  let inFlight = blobDownloads.get(blob);
  if (!inFlight) {
    inFlight = (async () => {
      fs.mkdirSync(path.dirname(blob), { recursive: true });
      const incomplete = `${blob}.incomplete`;
      if (opts.forceDownload) fs.rmSync(incomplete, { force: true });
      const show = opts.progress ?? true;
      const bar = show
        ? progressBar({ total: meta.size ?? 0, description: `Downloading ${ref.filename}${meta.size !== null ? ` (${formatBytes(meta.size)})` : ""}`, unit: "B" })
        : null;
      try {
        await downloadWithResume(
          {
            url: hubFileUrl({ ...full, revision: meta.commit }),
            headers: requestHeaders(hubToken(opts.token)),
            incomplete,
            expectedSize: meta.size,
            timeoutMs: opts.timeoutMs ?? envSeconds("HF_HUB_ETAG_TIMEOUT", 10),
            stallTimeoutMs: opts.stallTimeoutMs ?? envSeconds("HF_HUB_DOWNLOAD_TIMEOUT", 10),
            bar,
            opts: full,
          },
          opts.maxRetries ?? 5,
          opts.retryDelayMs ?? 1000,
        );
      } finally {
        bar?.close();
      }

      const got = fileSize(incomplete);
      if (meta.size !== null && got !== meta.size) {
        fs.rmSync(incomplete, { force: true });
        throw new HubIntegrityError(
          `Downloaded ${describe(full)} has ${got} bytes but the hub announced ${meta.size}; the file was deleted. Run again to re-download.`,
        );
      }
      if (/^[0-9a-f]{64}$/.test(meta.etag)) {
        const sha = sha256File(incomplete);
        if (sha !== meta.etag) {
          fs.rmSync(incomplete, { force: true });
          throw new HubIntegrityError(
            `Downloaded ${describe(full)} has SHA-256 ${sha} but the hub announced ${meta.etag}; the file was deleted. ` +
              `Run again to re-download; if it keeps failing, a proxy or mirror (HF_ENDPOINT) is altering the file.`,
          );
        }
      }
      fs.renameSync(incomplete, blob);
    })().finally(() => blobDownloads.delete(blob));
    blobDownloads.set(blob, inFlight);
  }
  await inFlight;
  linkPointer(blob, pointer);
  return pointer;
}
