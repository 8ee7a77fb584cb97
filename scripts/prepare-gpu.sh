#!/usr/bin/env bash
# Here (with network and node_modules): everything scripts/gpu-run.sh needs on the GPU machine, in .gpu-carry/
# (ignored by git; ship it with the run tool's carry: [".gpu-carry"], 64 MiB in all):
#   ../shared/gpu/prepare.sh   node (xz), Vulkan/GL loader .debs, MNIST (tgz), dawn.node (xz), on-device.sh
#   bundle.tar.xz              npm run bundle without Dawn (DAWN_NODE comes from on-device.sh), ~3 MB
#   torch_seed_cnn.py          the PyTorch reference (only the repository travels, not ../shared)
#   commit.txt                 the commit the bundle was built from
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
bash ../shared/gpu/prepare.sh
rm -rf .gpu-carry/bundle .gpu-carry/bundle.tar.xz
node scripts/bundle.mjs --no-dawn --out .gpu-carry/bundle
# Packed: the raw folder (~16 MB) plus the rest of .gpu-carry (~40 MB) would come near the 64 MiB carry limit.
tar cJf .gpu-carry/bundle.tar.xz -C .gpu-carry/bundle .
rm -rf .gpu-carry/bundle
cp -f ../shared/reference/torch_seed_cnn.py .gpu-carry/
{ git rev-parse --short HEAD; git status --porcelain --untracked-files=no | grep -q . && echo '(with uncommitted changes)' || true; } | paste -sd' ' > .gpu-carry/commit.txt
du -sh .gpu-carry
ls -la .gpu-carry
echo "on the GPU machine (one call, carry [\".gpu-carry\"], timeout_s 600): bash scripts/gpu-run.sh"
