#!/bin/bash
# bench/images.sh — `lc-podman images` against `podman images` on a store
# that buildah fills with N images (each a commit of a busybox working
# container with another label: one more layer and one more image), for N
# in LC_BENCH_IMAGES (default "10 100 300"; add 1000 if time allows), to
# show how both grow. A measurement, never pass/fail.
#
#   LC_BUILD_DIR      build tree whose tools are measured (default build/)
#   LC_BENCH_RUNS     runs per command (default 5)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$LC_SRCDIR/tests/lib/images.sh"
. "$LC_SRCDIR/tests/lib/podman.sh"

lc_need_root
lc_need_cmd hyperfine podman buildah
command -v lc-podman >/dev/null || lc_skip "lc-podman not built in $LC_BUILD_DIR"
counts="${LC_BENCH_IMAGES:-10 100 300}"

T="$(lc_tmpdir)"
lc_podman_env "$T"
export HOME="$LC_PODMAN_HOME"
common="--root $LC_GRAPHROOT --runroot $LC_RUNROOT --storage-driver overlay"
lc_image_busybox "$T/bb" latest >/dev/null
lc-podman $common load -i "$T/bb" >/dev/null
ctr="$(lc_buildah from -q localhost/bb:latest)"
have=0
for n in $counts; do
    start=$SECONDS
    while ((have < n)); do
        have=$((have + 1))
        lc_buildah config --label "n=$have" "$ctr" >/dev/null
        lc_buildah commit -q "$ctr" "localhost/img$have:latest" >/dev/null
    done
    lc_log "filled to $n images (+1 base) in $((SECONDS - start)) s"
    [[ "$(lc-podman $common images -q | wc -l)" -ge "$n" ]] || lc_die "lc-podman lists fewer than $n images"
    bench_pair "images, $n images" "true" "podman $common images" "lc-podman $common images"
done
lc_buildah rm "$ctr" >/dev/null
bench_report "images" "podman images (theirs) vs lc-podman images (ours), store filled by buildah"
