#!/bin/bash
# bench/copy.sh — lc-skopeo copy against skopeo copy, in one run on this
# machine, with a local Debian docker-registry (plain HTTP on 127.0.0.1):
#
#   registry → oci layout   (pull: download, verify, write blobs)
#   oci layout → registry   (push: every run to a fresh repository, so the
#                            blobs really upload; skopeo's blob-info cache
#                            is removed before each run so that it cannot
#                            mount them from the previous run's repository)
#
# for the real Debian image (lc_image_debian) and the 4-layer image.
# Medians of LC_BENCH_RUNS runs (hyperfine), ratio ours/theirs, and peak
# RSS (/usr/bin/time -v). A measurement, never a pass/fail test.
#
# usage: bench/copy.sh            (LC_BUILD_DIR=build-b2 to pick the build)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$LC_SRCDIR/tests/lib/registry.sh"
. "$LC_SRCDIR/tests/lib/images.sh"

lc_need_cmd hyperfine skopeo lc-skopeo /usr/bin/time "$LC_PYTHON"

lc_tmpdir W
printf '{"auths":{}}\n' >"$W/empty-auth.json"
: >"$W/registries.conf"
export CONTAINERS_REGISTRIES_CONF="$W/registries.conf" REGISTRY_AUTH_FILE="$W/empty-auth.json"
export HOME="$W/home"
mkdir -p "$HOME" "$W/out"

lc_image_multilayer "$W/ml" v1 >/dev/null
lc_image_debian "$W/unused" >/dev/null
DEB_LAYOUT="$LC_DEBIAN_LAYOUT" DEB_TAG="$LC_DEBIAN_SUITE"

lc_registry_start
REG="$LC_REGISTRY"
lc_image_push "$W/ml:v1" "docker://$REG/bench/ml:v1"
lc_image_push "$DEB_LAYOUT:$DEB_TAG" "docker://$REG/bench/debian:v1"

# skopeo's blob-info cache: inside the test namespace /var/lib is a
# throwaway overlay (tests/lib/common.sh), so removing it is harmless.
CACHE=/var/lib/containers/cache/blob-info-cache-v1.boltdb
clear_cache=":"
[[ "${LC_MOUNTNS:-0}" == 1 ]] && clear_cache="rm -f $CACHE"

SK="skopeo --insecure-policy"
LC="lc-skopeo --insecure-policy"
echo 0 >"$W/n"
# a fresh repository name per run: the counter is bumped by the prepare step
fresh="n=\$(cat $W/n); echo \$((n + 1)) >$W/n"

for img in debian ml; do
    if [[ $img == debian ]]; then layout="$DEB_LAYOUT:$DEB_TAG"; else layout="$W/ml:v1"; fi

    bench_pair "$img: registry → oci" \
        "rm -rf $W/out/* && $clear_cache" \
        "$SK copy -q --src-tls-verify=false docker://$REG/bench/$img:v1 oci:$W/out/theirs:v1" \
        "$LC copy -q --src-tls-verify=false docker://$REG/bench/$img:v1 oci:$W/out/ours:v1"

    bench_pair "$img: oci → registry (fresh repository)" \
        "$fresh && $clear_cache" \
        "$SK copy -q --dest-tls-verify=false oci:$layout docker://$REG/push-theirs-\$(cat $W/n)/$img:v1" \
        "$LC copy -q --dest-tls-verify=false oci:$layout docker://$REG/push-ours-\$(cat $W/n)/$img:v1"
done

# What was pushed is the same image either way.
n="$(cat "$W/n")"
for img in debian ml; do
    a="$(skopeo inspect --raw --tls-verify=false "docker://$REG/push-theirs-$n/$img:v1" 2>/dev/null | sha256sum | cut -c1-12 || true)"
    b="$(lc-skopeo inspect --raw --tls-verify=false "docker://$REG/push-ours-$n/$img:v1" 2>/dev/null | sha256sum | cut -c1-12 || true)"
    [[ "$a" == "$b" ]] || lc_log "note: $img pushed manifests differ (skopeo $a, ours $b)"
done

bench_report copy "lc-skopeo copy vs skopeo copy (local docker-registry, plain HTTP)"
