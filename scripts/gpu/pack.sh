#!/usr/bin/env bash
# Builds .device-carry/ for a GPU host without Node and without network (see ../shared/device/README.md):
#   node.xz, dawn.node.xz, gl/*.deb, setup.sh   from ../shared/device/pack.sh (skipped when already there;
#                                               FRESH=1 rebuilds them)
#   gpu.cjs                                     bench/gpu/device.ts bundled with esbuild (no native addons inside)
#   train.cjs                                   bench/train.ts (npm run bench:train) bundled the same way
#                                               (both by scripts/gpu/bundle.ts)
#   data/                                       goldens + pre-tokenized reviews (scripts/gpu/makeData.ts)
# then checks that the carry plus the git working tree stay under the 64 MiB the device call takes, and prints
# the command to run there. Usage (from anywhere): scripts/gpu/pack.sh   (or: npm run gpu:pack)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
dest=.device-carry
shared=${BERT_IMDB_SHARED:-$root/../shared}

if [ "${FRESH:-0}" = 1 ] || [ ! -f "$dest/node.xz" ] || [ ! -f "$dest/dawn.node.xz" ] || [ ! -f "$dest/setup.sh" ]; then
  "$shared/device/pack.sh" "$dest"
else
  echo "reusing $dest/{node.xz,dawn.node.xz,gl,setup.sh} (FRESH=1 rebuilds them)"
fi

# gpu.cjs and train.cjs (scripts/gpu/bundle.ts: what stays out of the bundles, and why)
node --import tsx scripts/gpu/bundle.ts "$dest"
node --import tsx scripts/gpu/makeData.ts "$dest/data"

carry=$(du -cb "$dest" | tail -1 | cut -f1)
tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb 2>/dev/null | awk '/\ttotal$/ {s += $1} END {print s + 0}')
total=$((carry + tree))
printf 'carry %.1f MiB + working tree %.1f MiB = %.1f MiB (limit 64 MiB, aim ≤ 60)\n' \
  "$(echo "$carry / 1048576" | bc -l)" "$(echo "$tree / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)"
if [ "$total" -gt $((60 * 1048576)) ]; then
  echo "too large for the device call: trim $dest/data or the bundle" >&2
  exit 1
fi
cat <<'EOF'
device command (run tool: carry [".device-carry"], timeout_s 400; results in $OUT/gpu-results.json):
  source .device-carry/setup.sh && XDG_RUNTIME_DIR=/tmp /tmp/node .device-carry/gpu.cjs
npm run bench:train there:
  source .device-carry/setup.sh && XDG_RUNTIME_DIR=/tmp BERT_IMDB_SHARED=assets /tmp/node .device-carry/train.cjs --model base --steps 16 --eval-batches 125
EOF
