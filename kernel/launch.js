#!/usr/bin/env node
// Entry point of the project's tslab kernel. Jupyter starts kernels in the notebook's folder (notebooks/), but
// tslab resolves a notebook's relative imports from its working directory, so the kernel runs from the project
// root and every notebook imports the package entry as `./dist/index`, the build of src/ (npm ci builds it:
// the "prepare" script). tslab then reads the declaration files, where importing ./src would make it type-check
// and emit every source file at each kernel start (4.7 s against 1.0 s per notebook, measured here). When a
// file under src/ is newer than the build, the kernel rebuilds dist/ before it starts (edit src/, restart the
// kernel, as with a Python package installed in editable mode).
"use strict";
const path = require("node:path");

const root = path.resolve(__dirname, "..");
// Jupyter hands over an absolute connection file, but resolve it before changing directory to be safe.
const i = process.argv.indexOf("--config-path");
if (i >= 0 && process.argv[i + 1]) process.argv[i + 1] = path.resolve(process.argv[i + 1]);
process.env.BERT_IMDB_ROOT = root;
process.env.BERT_IMDB_NOTEBOOK_DIR = process.env.BERT_IMDB_NOTEBOOK_DIR || process.cwd();
process.chdir(root);
require("./build").rebuildIfSourcesChanged(root, (line) => console.error(line));
const sends = serializeZmqSends();
tolerateQuickSourceEdits();
reportBusyWhileAnyRequestRuns();
sendStatusBeforeRunning(sends);
require("tslab/dist/main.js").main();

/**
 * zeromq 6 rejects a send on a socket whose previous send has not finished ("Socket is busy writing", EBUSY),
 * and tslab does not wait between sends: when a cell updates a display (a progress bar, a live plot) while the
 * kernel also publishes a status message, the kernel process dies. Queue each socket's sends instead.
 */
function serializeZmqSends() {
  const zmq = require("zeromq");
  const chains = new WeakMap();
  const pending = new Set();
  // Socket.prototype.send is read-only; an own property on each subclass prototype shadows it.
  for (const Cls of [zmq.Publisher, zmq.Router, zmq.Reply, zmq.Dealer]) {
    const send = Cls.prototype.send;
    if (send.__bertImdbSerialized) continue;
    const serialized = function (message) {
      const previous = chains.get(this) || Promise.resolve();
      // A send after the socket closed (kernel shutting down) has nobody to reach: not worth a crash.
      const next = previous
        .catch(() => undefined)
        .then(() => send.call(this, message))
        .catch((err) => {
          if (err && err.code === "EBADF") return undefined;
          throw err;
        });
      chains.set(this, next);
      pending.add(next);
      next.finally(() => pending.delete(next)).catch(() => undefined);
      return next;
    };
    serialized.__bertImdbSerialized = true;
    Object.defineProperty(Cls.prototype, "send", { value: serialized, writable: true, configurable: true });
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
  return {
    /**
     * Resolves once no send is waiting any more (at most `limitMs` later). It first lets the event loop turn,
     * so that what the handlers still have to publish (the previous request's "idle" and the "busy" after it)
     * is queued, and waits again for sends queued meanwhile.
     */
    async flushed(limitMs) {
      const deadline = Date.now() + limitMs;
      do {
        await new Promise((resolve) => setImmediate(resolve));
        if (pending.size === 0) return;
        await Promise.race([Promise.allSettled([...pending]), sleep(Math.max(0, deadline - Date.now()))]);
      } while (Date.now() < deadline);
    },
  };
}

/**
 * A cell's TypeScript is compiled synchronously before it runs (seconds for the first cell that imports src/),
 * and sends only leave when the event loop turns: the "busy" published for the execute request (or, during
 * Run All, the "busy" that follows the previous cell's "idle") went out only after the compilation, so JupyterLab
 * said Idle meanwhile. Each execution now starts once every message queued before it has been handed to zeromq.
 */
function sendStatusBeforeRunning(sends) {
  const { JupyterHandlerImpl } = require("tslab/dist/jupyter.js");
  const execute = JupyterHandlerImpl.prototype.handleExecuteImpl;
  if (execute.__bertImdbFlushed) return;
  const wrapped = async function (...args) {
    await sends.flushed(500);
    return execute.apply(this, args);
  };
  wrapped.__bertImdbFlushed = true;
  JupyterHandlerImpl.prototype.handleExecuteImpl = wrapped;
}

/**
 * tslab watches the .ts files a notebook imported. Two edits in quick succession (saving src/ files while the
 * kernel runs, a formatter, `git checkout`) make its watcher throw "Unexpected pending rebuildTimer" from a
 * timer, which kills the kernel. The first notification has already scheduled the rebuild and marked both
 * files for re-reading, so the second one can be dropped.
 */
function tolerateQuickSourceEdits() {
  const ts = require("@tslab/typescript-for-tslab");
  const guard = (cb) =>
    function (...args) {
      try {
        return cb.apply(this, args);
      } catch (err) {
        if (err && /Unexpected pending rebuildTimer/.test(String(err.message))) return undefined;
        throw err;
      }
    };
  for (const name of ["watchFile", "watchDirectory"]) {
    const original = ts.sys[name];
    if (typeof original !== "function" || original.__bertImdbGuarded) continue;
    const wrapped = function (path, callback, ...rest) {
      return original.call(this, path, guard(callback), ...rest);
    };
    wrapped.__bertImdbGuarded = true;
    ts.sys[name] = wrapped;
  }
}

/**
 * tslab handles shell requests concurrently: each one publishes "busy", waits (execute requests queue behind
 * the running cell), then publishes "idle" with itself as parent. Front ends show the latest status message,
 * whatever its parent, so while a long cell runs, the "idle" of any other request (a completion, a
 * comm_info_request, the previous cell of Run All) makes JupyterLab say the kernel is Idle. Each request still
 * gets its own busy/idle pair (nbclient waits for the idle of its request), but an "idle" sent while other
 * requests are unfinished is followed at once by a "busy" whose parent is the oldest unfinished request, so
 * the last word is "busy" until the kernel really has nothing left to do.
 */
function reportBusyWhileAnyRequestRuns() {
  const { ZmqServer } = require("tslab/dist/jupyter.js");
  const publish = ZmqServer.prototype.publishStatus;
  if (publish.__bertImdbBusy) return;
  const wrapped = function (status, parent) {
    const open = this.__bertImdbOpen || (this.__bertImdbOpen = []);
    if (status === "busy") {
      open.push(parent);
      return publish.call(this, status, parent);
    }
    const i = open.indexOf(parent);
    if (i >= 0) open.splice(i, 1);
    publish.call(this, status, parent);
    if (status === "idle" && open.length > 0) publish.call(this, "busy", open[0]);
  };
  wrapped.__bertImdbBusy = true;
  ZmqServer.prototype.publishStatus = wrapped;
}
