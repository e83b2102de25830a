// Tests of the hub client against a local HTTP server (127.0.0.1): cache layout, offline mode, resume after a
// cut connection (within one call and across calls), SHA-256/size verification, HTTP errors, tokens.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import {
  hubCacheDir,
  hubDownload,
  HubConnectionError,
  HubHttpError,
  HubIntegrityError,
  HubOfflineError,
  removeCachedFile,
  repoFolderName,
  tryLoadFromCache,
} from "../src/hub";
import { COMMIT, HubTestServer } from "./hubTestServer";

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const server = new HubTestServer();
const BIG = bytes(300_000, 1);
const lfs = server.add({ repoId: "org/data", repoType: "dataset", filename: "plain_text/train.parquet", content: BIG, lfs: true });
const small = server.add({ repoId: "org/model", repoType: "model", filename: "config.json", content: new TextEncoder().encode('{"a":1}\n'), lfs: false });
const cut = server.add({ repoId: "org/cut", repoType: "model", filename: "weights.bin", content: bytes(200_000, 2), lfs: true, cutAfter: 70_000 });
const cutNoRange = server.add({ repoId: "org/cut2", repoType: "model", filename: "weights.bin", content: bytes(120_000, 3), lfs: true, cutAfter: 50_000, ignoreRange: true });
const twice = server.add({ repoId: "org/twice", repoType: "model", filename: "w.bin", content: bytes(150_000, 4), lfs: true, cutAfter: 40_000 });
const wrong = server.add({ repoId: "org/wrong", repoType: "model", filename: "w.bin", content: bytes(50_000, 5), lfs: true, corruptWith: bytes(50_000, 6) });
const stall = server.add({ repoId: "org/stall", repoType: "model", filename: "w.bin", content: bytes(90_000, 8), lfs: true, stallAfter: 30_000 });
const gated = server.add({ repoId: "org/gated", repoType: "model", filename: "w.bin", content: bytes(1000, 7), lfs: true, requireToken: "hf_secret" });

let cacheDir: string;
const base = () => ({ endpoint: server.endpoint, cacheDir, progress: false, retryDelayMs: 10 });

before(() => server.start());
after(() => server.stop());
beforeEach(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-test-"));
  server.log.length = 0;
});
afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

describe("hubDownload", () => {
  test("downloads an LFS file into the huggingface_hub cache layout and reuses it", async () => {
    const p = await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename });
    const repoDir = path.join(cacheDir, "datasets--org--data");
    const sha = HubTestServer.sha256(BIG);
    assert.equal(p, path.join(repoDir, "snapshots", COMMIT, "plain_text", "train.parquet"));
    assert.ok(fs.lstatSync(p).isSymbolicLink(), "snapshot entry is a symlink");
    assert.equal(fs.realpathSync(p), fs.realpathSync(path.join(repoDir, "blobs", sha)));
    assert.equal(fs.readlinkSync(p), path.join("..", "..", "..", "blobs", sha), "relative link like huggingface_hub");
    assert.deepEqual(new Uint8Array(fs.readFileSync(p)), BIG);
    assert.equal(fs.readFileSync(path.join(repoDir, "refs", "main"), "utf8"), COMMIT);
    assert.ok(!fs.existsSync(path.join(repoDir, "blobs", `${sha}.incomplete`)));
    assert.deepEqual(server.log.map((r) => r.method), ["HEAD", "GET", "GET"], "HEAD, GET resolve (302), GET cdn");

    server.log.length = 0;
    const again = await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename });
    assert.equal(again, p);
    assert.deepEqual(server.log.map((r) => r.method), ["HEAD"], "cached: only the metadata request");

    server.log.length = 0;
    const off = await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename, offline: true });
    assert.equal(off, p);
    assert.equal(server.log.length, 0, "offline: no request at all");
    assert.equal(tryLoadFromCache({ repoId: "org/data", repoType: "dataset", filename: lfs.filename, cacheDir }), p);
    assert.equal(tryLoadFromCache({ repoId: "org/data", repoType: "dataset", filename: lfs.filename, cacheDir, revision: COMMIT }), p);
    assert.equal(await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename, revision: COMMIT }), p);
    assert.equal(server.log.length, 0, "a cached commit revision needs no request");
    assert.equal(tryLoadFromCache({ repoId: "org/data", repoType: "dataset", filename: "nope.parquet", cacheDir }), null);
    assert.equal(tryLoadFromCache({ repoId: "org/data", repoType: "model", filename: lfs.filename, cacheDir }), null);
  });

  test("concurrent calls for one file share a single download (LFS and plain files)", async () => {
    const ask = () => hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename });
    const paths = await Promise.all([ask(), ask(), ask()]);
    assert.equal(new Set(paths).size, 1);
    assert.deepEqual(new Uint8Array(fs.readFileSync(paths[0])), BIG);
    assert.equal(server.log.filter((r) => r.url.startsWith("/cdn/")).length, 1, "the file's bytes are fetched once");
    const configs = await Promise.all([1, 2, 3].map(() => hubDownload({ ...base(), repoId: "org/model", filename: "config.json" })));
    for (const p of configs) assert.equal(fs.readFileSync(p, "utf8"), '{"a":1}\n');
  });

  test("a plain (non-LFS) file is stored under its git ETag", async () => {
    const p = await hubDownload({ ...base(), repoId: "org/model", filename: "config.json" });
    const etag = HubTestServer.gitSha(small.content);
    assert.equal(fs.realpathSync(p), fs.realpathSync(path.join(cacheDir, "models--org--model", "blobs", etag)));
    assert.equal(fs.readFileSync(p, "utf8"), '{"a":1}\n');
  });

  test("a cut connection is resumed with a Range header within one call", async () => {
    const p = await hubDownload({ ...base(), repoId: "org/cut", filename: "weights.bin" });
    assert.deepEqual(new Uint8Array(fs.readFileSync(p)), cut.content);
    const cdnGets = server.log.filter((r) => r.url.startsWith("/cdn/"));
    assert.equal(cdnGets.length, 2);
    assert.equal(cdnGets[0].range, undefined);
    assert.equal(cdnGets[1].range, "bytes=70000-", "second request resumes where the cut happened");
  });

  test("a stalled download is aborted after stallTimeoutMs and resumed (progress bar on)", async () => {
    const start = Date.now();
    const p = await hubDownload({ ...base(), progress: true, stallTimeoutMs: 300, repoId: "org/stall", filename: "w.bin" });
    assert.deepEqual(new Uint8Array(fs.readFileSync(p)), stall.content);
    const cdnGets = server.log.filter((r) => r.url.startsWith("/cdn/"));
    assert.deepEqual(cdnGets.map((r) => r.range), [undefined, "bytes=30000-"]);
    assert.ok(Date.now() - start >= 300, "waited for the stall timeout");
  });

  test("a partial file left by a failed call is resumed by the next call", async () => {
    const opts = { ...base(), repoId: "org/twice", filename: "w.bin", maxRetries: 0 };
    await assert.rejects(hubDownload(opts), (err: unknown) => {
      assert.ok(err instanceof HubConnectionError, String(err));
      assert.match((err as Error).message, /40000 bytes are kept in .*\.incomplete; calling again resumes/);
      return true;
    });
    const incomplete = path.join(cacheDir, "models--org--twice", "blobs", `${HubTestServer.sha256(twice.content)}.incomplete`);
    assert.equal(fs.statSync(incomplete).size, 40_000);
    assert.equal(tryLoadFromCache({ repoId: "org/twice", filename: "w.bin", cacheDir }), null, "a partial file is never served");
    server.log.length = 0;
    const p = await hubDownload(opts);
    assert.deepEqual(new Uint8Array(fs.readFileSync(p)), twice.content);
    assert.equal(server.log.filter((r) => r.url.startsWith("/cdn/"))[0].range, "bytes=40000-");
    assert.ok(!fs.existsSync(incomplete));
  });

  test("a server that ignores Range is handled by restarting from byte 0", async () => {
    const p = await hubDownload({ ...base(), repoId: "org/cut2", filename: "weights.bin" });
    assert.deepEqual(new Uint8Array(fs.readFileSync(p)), cutNoRange.content);
  });

  test("bytes that do not match the announced SHA-256 are deleted and reported", async () => {
    await assert.rejects(hubDownload({ ...base(), repoId: "org/wrong", filename: "w.bin" }), (err: unknown) => {
      assert.ok(err instanceof HubIntegrityError, String(err));
      assert.match((err as Error).message, /SHA-256 [0-9a-f]{64} but the hub announced [0-9a-f]{64}; the file was deleted/);
      return true;
    });
    const blobs = path.join(cacheDir, "models--org--wrong", "blobs");
    assert.deepEqual(fs.readdirSync(blobs), [], "neither the blob nor the .incomplete file is left");
    assert.equal(tryLoadFromCache({ repoId: "org/wrong", filename: "w.bin", cacheDir }), null);
    void wrong;
  });

  test("a truncated cached blob is detected by its size and fetched again", async () => {
    const p = await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename });
    fs.truncateSync(fs.realpathSync(p), 1000);
    const again = await hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename });
    assert.deepEqual(new Uint8Array(fs.readFileSync(again)), BIG);
  });

  test("removeCachedFile deletes the snapshot entry and its blob", async () => {
    const ref = { repoId: "org/data", repoType: "dataset" as const, filename: lfs.filename, cacheDir };
    const p = await hubDownload({ ...base(), ...ref });
    const blob = fs.realpathSync(p);
    assert.equal(removeCachedFile(ref), true);
    assert.ok(!fs.existsSync(blob) && tryLoadFromCache(ref) === null);
    assert.equal(removeCachedFile(ref), false);
  });

  test("offline and not cached: the error names the file and both fixes", async () => {
    await assert.rejects(
      hubDownload({ ...base(), repoId: "org/data", repoType: "dataset", filename: lfs.filename, offline: true, missingHint: "set IMDB_DATA_DIR=../shared/imdb" }),
      (err: unknown) => {
        assert.ok(err instanceof HubOfflineError);
        const m = (err as Error).message;
        assert.match(m, /dataset org\/data file "plain_text\/train.parquet"/);
        assert.match(m, /unset HF_HUB_OFFLINE/);
        assert.match(m, /IMDB_DATA_DIR=\.\.\/shared\/imdb/);
        return true;
      },
    );
    assert.equal(server.log.length, 0);
    const saved = process.env.HF_HUB_OFFLINE;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      await assert.rejects(hubDownload({ ...base(), repoId: "org/model", filename: "config.json" }), /HF_HUB_OFFLINE is set/);
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
      else process.env.HF_HUB_OFFLINE = saved;
    }
    assert.equal(server.log.length, 0);
  });

  test("unreachable hub: clear error, or the cached copy when there is one", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = { ...base(), endpoint: `http://127.0.0.1:${port}`, repoId: "org/model", filename: "config.json" };
    await assert.rejects(hubDownload(dead), (err: unknown) => {
      assert.ok(err instanceof HubConnectionError);
      assert.match((err as Error).message, new RegExp(`Could not reach the hub at http://127\\.0\\.0\\.1:${port}/org\/model\/resolve\/main\/config\\.json.*ECONNREFUSED`, "s"));
      assert.match((err as Error).message, /not in the local hub cache/);
      return true;
    });
    const p = await hubDownload({ ...base(), repoId: "org/model", filename: "config.json" });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => void warnings.push(m);
    try {
      assert.equal(await hubDownload(dead), p);
    } finally {
      console.warn = warn;
    }
    assert.match(warnings.join("\n"), /hub unreachable .*using the cached/);
  });

  test("HTTP errors name the cause: unknown file, unknown revision, gated repo; HF_TOKEN is sent", async () => {
    await assert.rejects(hubDownload({ ...base(), repoId: "org/model", filename: "missing.json" }), (err: unknown) => {
      assert.ok(err instanceof HubHttpError);
      assert.equal((err as HubHttpError).status, 404);
      assert.match((err as Error).message, /EntryNotFound.*no such file/);
      return true;
    });
    await assert.rejects(hubDownload({ ...base(), repoId: "org/model", filename: "config.json", revision: "v9" }), /RevisionNotFound/);
    await assert.rejects(hubDownload({ ...base(), repoId: "org/gated", filename: "w.bin", token: false }), /HTTP 401.*gated.*HF_TOKEN/);
    // A dataset asked for as a model: the hub's 401 RepoNotFound, explained as such rather than as a bad token.
    await assert.rejects(hubDownload({ ...base(), repoId: "org/data", filename: lfs.filename, token: false }), /HTTP 401.*RepoNotFound.*no such repo is visible: check the repo id \(datasets need repoType "dataset"\)/);
    const saved = process.env.HF_TOKEN;
    process.env.HF_TOKEN = "hf_secret";
    server.log.length = 0;
    try {
      const p = await hubDownload({ ...base(), repoId: "org/gated", filename: "w.bin" });
      assert.deepEqual(new Uint8Array(fs.readFileSync(p)), gated.content);
      assert.ok(server.log.every((r) => r.authorization === "Bearer hf_secret"));
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
    }
  });

  test("rejects repo ids and file names that would escape the cache", async () => {
    await assert.rejects(hubDownload({ ...base(), repoId: "../evil", filename: "x" }), /Invalid hub repo id/);
    await assert.rejects(hubDownload({ ...base(), repoId: "org/model", filename: "../x" }), /Invalid hub file name/);
  });
});

describe("hubCacheDir", () => {
  test("follows HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub", () => {
    const saved = { ...process.env };
    try {
      delete process.env.HF_HUB_CACHE;
      delete process.env.HUGGINGFACE_HUB_CACHE;
      delete process.env.HF_HOME;
      delete process.env.XDG_CACHE_HOME;
      assert.equal(hubCacheDir(), path.join(os.homedir(), ".cache", "huggingface", "hub"));
      process.env.HF_HOME = "/tmp/hfhome";
      assert.equal(hubCacheDir(), "/tmp/hfhome/hub");
      process.env.HF_HUB_CACHE = "/tmp/hubcache";
      assert.equal(hubCacheDir(), "/tmp/hubcache");
    } finally {
      for (const k of ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
    assert.equal(repoFolderName("stanfordnlp/imdb", "dataset"), "datasets--stanfordnlp--imdb");
    assert.equal(repoFolderName("bert-base-uncased", "model"), "models--bert-base-uncased");
  });
});
