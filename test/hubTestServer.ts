// A local stand-in for the Hugging Face hub (127.0.0.1 only) used by the hub and loader tests. It speaks the
// parts of the protocol hubDownload relies on: HEAD/GET on /<datasets/>org/name/resolve/<rev>/<file>, LFS files
// answered with a 302 to a "CDN" path carrying X-Linked-Etag/X-Linked-Size/X-Repo-Commit, plain files answered
// directly with a git ETag, Range requests (206/Content-Range), X-Error-Code on 404. Faults can be switched
// on per file: cut the connection mid-body, ignore Range, or serve altered bytes.
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

// Every test file that uses this server talks to 127.0.0.1: an HF_HUB_OFFLINE=1 inherited from the shell (CI
// sets it) must not switch its downloads off. Tests of offline mode set it themselves.
delete process.env.HF_HUB_OFFLINE;

export interface ServedFile {
  repoId: string;
  repoType: "model" | "dataset";
  filename: string;
  content: Uint8Array;
  /** LFS file (sha256 ETag, redirect to CDN) or a plain git file (40-hex ETag, served directly). */
  lfs: boolean;
  /** Cut the connection after this many body bytes, for the first `cutTimes` GETs. */
  cutAfter?: number;
  cutTimes?: number;
  /** Send this many body bytes, then nothing more (connection left open), for the first GET. */
  stallAfter?: number;
  /** Answer Range requests with the whole file (200). */
  ignoreRange?: boolean;
  /** Serve these bytes instead of `content` (same headers): a corrupting proxy. */
  corruptWith?: Uint8Array;
  /** Require this bearer token (401 otherwise). */
  requireToken?: string;
}

export interface RequestLog {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export const COMMIT = "0123456789abcdef0123456789abcdef01234567";

export class HubTestServer {
  readonly files: ServedFile[] = [];
  readonly log: RequestLog[] = [];
  private server: http.Server | null = null;
  private port = 0;
  private cuts = new Map<ServedFile, number>();
  private stalled = new Set<ServedFile>();

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  add(file: ServedFile): ServedFile {
    this.files.push(file);
    return file;
  }

  static sha256(b: Uint8Array): string {
    return createHash("sha256").update(b).digest("hex");
  }

  static gitSha(b: Uint8Array): string {
    return createHash("sha1").update(`blob ${b.byteLength}\0`).update(b).digest("hex");
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    this.log.push({ method: req.method ?? "?", url, range: req.headers.range, authorization: req.headers.authorization });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url);
    if (cdn) {
      const file = this.files.find((f) => f.lfs && HubTestServer.sha256(f.content) === cdn[1]);
      if (!file) return this.notFound(res, "EntryNotFound");
      return this.sendBody(req, res, file, {});
    }
    const m = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    if (!m) return this.notFound(res, "RepoNotFound");
    const repoType = m[1] ? "dataset" : "model";
    const repoId = m[2];
    const revision = decodeURIComponent(m[3]);
    const filename = m[4].split("/").map(decodeURIComponent).join("/");
    const repoFiles = this.files.filter((f) => f.repoId === repoId && f.repoType === repoType);
    if (repoFiles.length === 0) {
      // As the hub: without a token, a repo it cannot show is 401 RepoNotFound (it may be private); with one, 404.
      if (!req.headers.authorization) {
        res.writeHead(401, { "x-error-code": "RepoNotFound" });
        return void res.end();
      }
      return this.notFound(res, "RepoNotFound");
    }
    if (revision !== "main" && revision !== COMMIT) return this.notFound(res, "RevisionNotFound");
    const file = repoFiles.find((f) => f.filename === filename);
    if (!file) return this.notFound(res, "EntryNotFound");
    if (file.requireToken && req.headers.authorization !== `Bearer ${file.requireToken}`) {
      res.writeHead(401, { "x-error-code": "GatedRepo" });
      return void res.end();
    }
    const common = { "x-repo-commit": COMMIT };
    if (file.lfs) {
      const sha = HubTestServer.sha256(file.content);
      res.writeHead(302, {
        ...common,
        location: `${this.endpoint}/cdn/${sha}`,
        "x-linked-etag": `"${sha}"`,
        "x-linked-size": String(file.content.byteLength),
        etag: `"${HubTestServer.gitSha(new TextEncoder().encode(`pointer ${sha}`))}"`,
        "content-length": "0",
      });
      return void res.end();
    }
    return this.sendBody(req, res, file, { ...common, etag: `"${HubTestServer.gitSha(file.content)}"` });
  }

  private sendBody(req: http.IncomingMessage, res: http.ServerResponse, file: ServedFile, extra: Record<string, string>): void {
    const body = file.corruptWith ?? file.content;
    const total = body.byteLength;
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range && !file.ignoreRange) {
      start = Number(range[1]);
      if (start >= total) {
        res.writeHead(416, { "content-range": `bytes */${total}` });
        return void res.end();
      }
      status = 206;
    }
    const headers: Record<string, string> = { ...extra, "content-length": String(total - start), "accept-ranges": "bytes" };
    if (status === 206) headers["content-range"] = `bytes ${start}-${total - 1}/${total}`;
    res.writeHead(status, headers);
    if (req.method === "HEAD") return void res.end();
    const part = body.subarray(start);
    if (file.stallAfter !== undefined && !this.stalled.has(file) && part.byteLength > file.stallAfter) {
      this.stalled.add(file);
      res.write(part.subarray(0, file.stallAfter));
      return; // never ends: the client has to notice the stall
    }
    const done = this.cuts.get(file) ?? 0;
    if (file.cutAfter !== undefined && done < (file.cutTimes ?? 1) && part.byteLength > file.cutAfter) {
      this.cuts.set(file, done + 1);
      res.write(part.subarray(0, file.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(part);
  }

  private notFound(res: http.ServerResponse, code: string): void {
    res.writeHead(404, { "x-error-code": code, "content-type": "text/plain" });
    res.end(`${code}`);
  }
}
