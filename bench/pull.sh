#!/bin/bash
# bench/pull.sh — `lc-podman pull` against `podman pull` into a fresh store,
# in one run, from a local registry (tests/lib): the Debian base image (one
# big layer) and the 4-layer test image; with `tar -xzf` of the same layer
# blobs into an empty directory as the floor. Medians, ratios, peak memory.
# A measurement, never pass/fail.
#
#   LC_BUILD_DIR      build tree whose tools are measured (default build/)
#   LC_BENCH_RUNS     runs per command (default 5)
#   LC_BENCH_DRIVER   overlay (default) or vfs
#   TMPDIR            where the stores live (the disk, unless set otherwise)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$LC_SRCDIR/tests/lib/registry.sh"
. "$LC_SRCDIR/tests/lib/images.sh"
. "$LC_SRCDIR/tests/lib/podman.sh"

lc_need_root
lc_need_cmd hyperfine podman docker-registry
command -v lc-podman >/dev/null || lc_skip "lc-podman not built in $LC_BUILD_DIR"
driver="${LC_BENCH_DRIVER:-overlay}"

lc_registry_start --quiet
R="$LC_REGISTRY"
T="$(lc_tmpdir)"
lc_podman_env "$T"
lc_image_debian "$T/deb" >/dev/null
deb_layout="$LC_DEBIAN_LAYOUT"
lc_image_push "$deb_layout:$LC_DEBIAN_SUITE" "docker://$R/bench/debian:latest" >/dev/null
lc_image_multilayer "$T/ml" latest >/dev/null
lc_image_push "$T/ml:latest" "docker://$R/bench/multilayer:latest" >/dev/null

S="$T/store"
X="$T/extract"
# Podman bind-mounts G/overlay onto itself; undo that before removing.
prepare="umount -l $S/root/$driver 2>/dev/null || true; rm -rf $S $X; sync"
common="--root $S/root --runroot $S/run --storage-driver $driver"
export HOME="$LC_PODMAN_HOME"

# layer_blobs LAYOUT TAG — the layer blob files of an OCI layout's image.
layer_blobs() {
    "$LC_PYTHON" - "$1" "$2" <<'PY'
import json, os, sys
lay, tag = sys.argv[1], sys.argv[2]
blob = lambda d: os.path.join(lay, "blobs", *d.split(":"))
idx = json.load(open(os.path.join(lay, "index.json")))
m = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(blob(m["digest"])))
if "manifests" in man:
    man = json.load(open(blob(man["manifests"][0]["digest"])))
print(" ".join(blob(l["digest"]) for l in man["layers"]))
PY
}

# tar_floor NAME BLOBS… — median of `tar -xzf` of each blob into an empty dir.
tar_floor() {
    local name="$1" out cmd="mkdir -p $X"
    shift
    for b in "$@"; do cmd+=" && tar -xzf $b -C $X --no-same-owner"; done
    out="$(lc_tmpdir)"
    hyperfine --style basic --runs "$LC_BENCH_RUNS" --warmup 1 --prepare "$prepare" \
        --export-json "$out/tar.json" "$cmd" >&2
    bench_row "$name: tar -xzf floor" "– | $(bench_median_ms "$out/tar.json") | | | | |"
}

bench_pair "debian ($LC_DEBIAN_SUITE, 1 layer) pull, $driver" "$prepare" \
    "podman $common pull -q --tls-verify=false $R/bench/debian:latest" \
    "lc-podman $common pull -q --tls-verify=false $R/bench/debian:latest"
# shellcheck disable=SC2046
tar_floor "debian" $(layer_blobs "$deb_layout" "$LC_DEBIAN_SUITE")
bench_pair "multilayer (4 layers) pull, $driver" "$prepare" \
    "podman $common pull -q --tls-verify=false $R/bench/multilayer:latest" \
    "lc-podman $common pull -q --tls-verify=false $R/bench/multilayer:latest"
# shellcheck disable=SC2046
tar_floor "multilayer" $(layer_blobs "$T/ml" latest)
eval "$prepare"
bench_report "pull-$driver" "Pull into a fresh store: podman 4.3.1 (theirs) vs lc-podman (ours), $driver, stores on $(stat -f -c %T "$T")"
