// Where loadTokenizer finds its files: a local folder, the hub cache (Python's layout), a download from the hub
// (a local stand-in server), and for bert-base-uncased the embedded copy when offline or unreachable, with one
// warning. Also: the embedded copy is byte-identical to ../shared's, and errors name the cause and the fix.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { embeddedTokenizerDir, loadTokenizer } from "../src/tokenizers";
import { resetEmbeddedWarning } from "../src/tokenizers/resolveTokenizerFiles";
import { hubDownload } from "../src/hub";
import { HubTestServer } from "./hubTestServer";
import { requireShared } from "./shared";

const FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "config.json"];
const ENV_KEYS = ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HF_HOME", "HF_ENDPOINT", "HF_TOKEN"];
const savedEnv: Record<string, string | undefined> = {};
let tmp: string;
let cacheDir: string;

before(() => {
  for (const k of ENV_KEYS) savedEnv[k] = process.env[k];
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokenize-resolve-"));
});
after(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});
let counter = 0;
beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  cacheDir = path.join(tmp, `cache-${++counter}`);
  process.env.HF_HUB_CACHE = cacheDir;
  process.env.HF_TOKEN = "unused";
  resetEmbeddedWarning();
});
afterEach(() => resetEmbeddedWarning());

test("the embedded copy is byte-identical to ../shared/bert-base-uncased", (t) => {
  const shared = requireShared(t, "bert-base-uncased/tokenizer.json");
  if (!shared) return;
  for (const f of FILES) {
    assert.ok(fs.readFileSync(path.join(embeddedTokenizerDir(), f)).equals(fs.readFileSync(path.join(path.dirname(shared), f))), f);
  }
  assert.ok(fs.existsSync(path.join(embeddedTokenizerDir(), "README.md")));
});

describe("offline", () => {
  test("HF_HUB_OFFLINE=1 with an empty cache uses the embedded copy and says so once, in one plain line", async (t) => {
    process.env.HF_HUB_OFFLINE = "1";
    const warn = t.mock.method(console, "log", () => undefined);
    const a = await loadTokenizer("bert-base-uncased");
    const b = await loadTokenizer("google-bert/bert-base-uncased");
    assert.equal(a.source, "embedded");
    assert.equal(b.source, "embedded");
    assert.equal(a.dir, embeddedTokenizerDir());
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0].arguments[0]), /HF_HUB_OFFLINE is set.*shipped in assets\/bert-base-uncased\//);
    assert.doesNotMatch(String(warn.mock.calls[0].arguments[0]), /\/root|\/tmp|\/home/, "no machine paths");
    assert.deepEqual(await a.encode("This movie was fantastic!"), [101, 2023, 3185, 2001, 10392, 999, 102]);
  });

  test("other repos offline and not cached fail with the cause and the fix", async () => {
    process.env.HF_HUB_OFFLINE = "1";
    await assert.rejects(loadTokenizer("someone/other-bert"), /"someone\/other-bert" is not in the hub cache .* HF_HUB_OFFLINE is set.*Fix: unset HF_HUB_OFFLINE/);
    await assert.rejects(loadTokenizer("bert-base-uncased", { revision: "v1.0" }), /not in the hub cache/);
  });

  test("the hub cache (Python's layout) comes before the embedded copy, resolving refs/main", async (t) => {
    const commit = "a".repeat(40);
    const repo = path.join(cacheDir, "models--bert-base-uncased");
    const snap = path.join(repo, "snapshots", commit);
    fs.mkdirSync(snap, { recursive: true });
    fs.mkdirSync(path.join(repo, "refs"), { recursive: true });
    fs.writeFileSync(path.join(repo, "refs", "main"), commit);
    for (const f of FILES) fs.copyFileSync(path.join(embeddedTokenizerDir(), f), path.join(snap, f));
    const warn = t.mock.method(console, "warn", () => undefined);
    const tok = await loadTokenizer("bert-base-uncased", { localFilesOnly: true });
    assert.equal(tok.source, "cache");
    assert.equal(tok.dir, snap);
    assert.equal(tok.modelMaxLength, 512);
    assert.equal(warn.mock.callCount(), 0);
  });
});

describe("hub", () => {
  const server = new HubTestServer();
  before(async () => {
    for (const filename of FILES) {
      server.add({ repoId: "bert-base-uncased", repoType: "model", filename, content: fs.readFileSync(path.join(embeddedTokenizerDir(), filename)), lfs: false });
    }
    await server.start();
  });
  after(() => server.stop());

  test("downloads tokenizer.json and the optional files into the cache when not cached", async (t) => {
    const warn = t.mock.method(console, "warn", () => undefined);
    const tok = await loadTokenizer("bert-base-uncased", { endpoint: server.endpoint });
    assert.equal(tok.source, "hub");
    assert.ok(tok.dir.startsWith(path.join(cacheDir, "models--bert-base-uncased", "snapshots")), tok.dir);
    for (const f of FILES) assert.ok(fs.existsSync(path.join(tok.dir, f)), f);
    assert.equal(fs.existsSync(path.join(tok.dir, "special_tokens_map.json")), false, "absent optional file (404) is skipped");
    assert.equal(warn.mock.callCount(), 0);
    assert.deepEqual(await tok.encode("I hated every minute of this film."), [101, 1045, 6283, 2296, 3371, 1997, 2023, 2143, 1012, 102]);
    // the second load is served from the cache without the network
    const requests = server.log.length;
    const again = await loadTokenizer("bert-base-uncased", { endpoint: server.endpoint });
    assert.equal(again.source, "cache");
    assert.equal(server.log.length, requests);
  });

  test("a cache left with tokenizer.json alone (a cut download) gets its optional files when online", async () => {
    await hubDownload({ repoId: "bert-base-uncased", filename: "tokenizer.json", endpoint: server.endpoint, progress: false });
    const tok = await loadTokenizer("bert-base-uncased", { endpoint: server.endpoint });
    assert.equal(tok.source, "cache");
    for (const f of FILES) assert.ok(fs.existsSync(path.join(tok.dir, f)), f);
    assert.equal(tok.modelMaxLength, 512, "model_max_length comes from the fetched tokenizer_config.json");
    // Offline, a cache in that state is used as it is (no network).
    const cut = path.join(tmp, "cut-cache");
    await hubDownload({ repoId: "bert-base-uncased", filename: "tokenizer.json", endpoint: server.endpoint, progress: false, cacheDir: cut });
    const requests = server.log.length;
    const offline = await loadTokenizer("bert-base-uncased", { endpoint: server.endpoint, cacheDir: cut, localFilesOnly: true });
    assert.equal(offline.source, "cache");
    assert.equal(server.log.length, requests);
  });

  test("an unreachable hub falls back to the embedded copy for bert-base-uncased only", async (t) => {
    const closed = new HubTestServer();
    await closed.start();
    const endpoint = closed.endpoint;
    await closed.stop();
    const warn = t.mock.method(console, "log", () => undefined);
    const tok = await loadTokenizer("bert-base-uncased", { endpoint });
    assert.equal(tok.source, "embedded");
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0].arguments[0]), /hub is unreachable/);
    await assert.rejects(loadTokenizer("someone/other-bert", { endpoint }), /Could not reach the hub/);
  });

  test("a repo without tokenizer.json fails with the cause and the fix", async () => {
    await assert.rejects(loadTokenizer("someone/slow-only", { endpoint: server.endpoint }), /has no tokenizer.json on the hub.*Fix/);
  });
});

describe("local folders", () => {
  test("a folder with tokenizer.json is used as is; errors name the folder and the fix", async () => {
    const tok = await loadTokenizer(embeddedTokenizerDir());
    assert.equal(tok.source, "local");
    const empty = path.join(tmp, "no-tokenizer");
    fs.mkdirSync(empty, { recursive: true });
    await assert.rejects(loadTokenizer(empty), /has no tokenizer.json.*Fix/);
    await assert.rejects(loadTokenizer(path.join(tmp, "missing", "dir")), /does not exist.*Fix/);
    await assert.rejects(loadTokenizer("./not-here"), /does not exist/);
    await assert.rejects(loadTokenizer(""), /hub repo id/);
  });

  test("a tokenizer.json that is not WordPiece is refused", async () => {
    const dir = path.join(tmp, "bpe");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify({ model: { type: "BPE", vocab: {}, merges: [] } }));
    await assert.rejects(loadTokenizer(dir), /not BERT's WordPiece/);
  });
});
