// Loads HF's Rust tokenizer binding (npm `tokenizers`, the engine behind Python's fast tokenizers) on first use,
// so that importing this library does not need the native addon until a tokenizer is built, and so that a
// missing prebuilt binary fails with an error that says what to do.
import type * as Tokenizers from "tokenizers";

export type RustTokenizersModule = typeof Tokenizers;
export type RustTokenizer = Tokenizers.Tokenizer;
export type RustEncoding = Tokenizers.Encoding;

let loaded: RustTokenizersModule | null = null;

/** The `tokenizers` module (native addon), loaded once. */
export function rustTokenizers(): RustTokenizersModule {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = require("tokenizers") as RustTokenizersModule;
  } catch (err) {
    throw new Error(
      `Could not load HF's Rust tokenizer binding (npm "tokenizers") for ${process.platform}-${process.arch}: ` +
        `${(err as Error).message}. Fix: run "npm install" in the project so the prebuilt native binary for this ` +
        `platform is installed (the package ships binaries for Linux, macOS and Windows on x64 and arm64).`,
    );
  }
  return loaded;
}

/** Version of the installed `tokenizers` package (part of the tokenizer fingerprint). */
export function rustTokenizersVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require("tokenizers/package.json") as { version: string }).version;
}
