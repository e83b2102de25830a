// The two programs the GPU host runs, bundled with esbuild for a machine without node_modules (see pack.sh):
// gpu.cjs from bench/gpu/device.ts and train.cjs from bench/train.ts (npm run bench:train).
// Usage: node --import tsx scripts/gpu/bundle.ts DEST_DIR
import * as path from "node:path";
import { buildSync } from "esbuild";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Modules left out of the bundles, loaded lazily where the code needs them and absent on the GPU host: tslab
 * (it pulls in TypeScript), esbuild, plotly (10 MB; danfojs's copy too), zeromq, and onnxruntime-node, a native
 * addon that only the CPU backends load.
 */
export const EXTERNAL = ["tslab", "esbuild", "plotly.js-dist", "plotly.js-dist-min", "zeromq", "onnxruntime-node"];

export const BUNDLES = { "gpu.cjs": "bench/gpu/device.ts", "train.cjs": "bench/train.ts" } as const;

/** Writes every bundle into `dest`; throws with esbuild's messages when one does not build. */
export function bundleForGpuHost(dest: string): string[] {
  return Object.entries(BUNDLES).map(([out, entry]) => {
    const outfile = path.join(dest, out);
    buildSync({
      entryPoints: [path.join(ROOT, entry)],
      bundle: true,
      platform: "node",
      format: "cjs",
      mainFields: ["module", "main"],
      external: EXTERNAL,
      // Whitespace and syntax only: names stay, so a stack trace from the GPU host still reads.
      minifyWhitespace: true,
      minifySyntax: true,
      outfile,
      logLevel: "warning",
    });
    return outfile;
  });
}

if (require.main === module) {
  const dest = process.argv[2];
  if (!dest) {
    console.error("usage: node --import tsx scripts/gpu/bundle.ts DEST_DIR");
    process.exit(2);
  }
  for (const f of bundleForGpuHost(path.resolve(dest))) console.log(`bundled ${path.relative(process.cwd(), f)}`);
}
