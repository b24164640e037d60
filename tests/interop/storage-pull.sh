#!/bin/bash
# storage-pull.sh — `lc-podman pull` from a local registry into a store
# shared with Debian's podman: same image and layer IDs as `podman pull`
# into a second store, podman lists and runs what we pulled, we pull while
# podman pulls, and `lc-skopeo copy containers-storage:` gives the
# registry's DiffIDs back.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/registry.sh
. "$here/../lib/registry.sh"
# shellcheck source=tests/lib/podman.sh
. "$here/../lib/podman.sh"
# shellcheck source=tests/lib/images.sh
. "$here/../lib/images.sh"

lc_need_root
lc_need_cmd podman skopeo runc docker-registry
command -v lc-podman >/dev/null || lc_skip "lc-podman is not on PATH (run through meson test)"

lc_need_cmd cc pkg-config
: "${LC_BUILD_DIR:?}"
lc_registry_start --quiet
T="$(lc_tmpdir)"
lc_podman_env "$T"
R="$LC_REGISTRY"

lc_image_busybox "$T/bb" latest
lc_image_multilayer "$T/ml" latest
lc_image_push "$T/bb:latest" "docker://$R/test/busybox:latest" >/dev/null
lc_image_push "$T/ml:latest" "docker://$R/test/multilayer:latest" >/dev/null
lc_image_push "$T/bb:latest" "docker://$R/test/busybox2:latest" >/dev/null

# The layer checker (public API only), built against this build tree.
LC_STORE_CHECK="$T/lc-store-check"
PKG_CONFIG_PATH="$LC_BUILD_DIR/meson-uninstalled" cc -o "$LC_STORE_CHECK" "$here/lc-store-check.c" \
    $(PKG_CONFIG_PATH="$LC_BUILD_DIR/meson-uninstalled" pkg-config --cflags --libs libcontainers-uninstalled) \
    -Wl,-rpath,"$LC_BUILD_DIR/libcontainers" || lc_die "cannot build lc-store-check"

# A second store, filled by podman alone, as the reference.
P="$T/podman-only"
mkdir -p "$P"
ppodman() { podman --root "$P/root" --runroot "$P/run" --storage-driver overlay "$@"; }

t_pull() {
    lc-podman pull -q --tls-verify=false "$R/test/busybox:latest" | grep -qE '^[0-9a-f]{64}$'
    lc-podman pull -q --tls-verify=false "$R/test/multilayer:latest" | grep -qE '^[0-9a-f]{64}$'
}
lc_check "lc-podman pull of two images from the registry" t_pull

t_same_ids_as_podman() {
    ppodman pull -q --tls-verify=false "$R/test/busybox:latest" >/dev/null
    ppodman pull -q --tls-verify=false "$R/test/multilayer:latest" >/dev/null
    local ours theirs
    ours="$(lc_podman images -q --no-trunc | sort)"
    theirs="$(ppodman images -q --no-trunc | sort)"
    [[ "$ours" == "$theirs" ]] || { echo "ours: $ours"; echo "podman: $theirs"; return 1; }
    ours="$(python3 -c 'import json,sys; print("\n".join(sorted(l["id"]+" "+l.get("diff-digest","")+" "+l.get("compressed-diff-digest","") for l in json.load(open(sys.argv[1])))))' "$LC_GRAPHROOT/overlay-layers/layers.json")"
    theirs="$(python3 -c 'import json,sys; print("\n".join(sorted(l["id"]+" "+l.get("diff-digest","")+" "+l.get("compressed-diff-digest","") for l in json.load(open(sys.argv[1])))))' "$P/root/overlay-layers/layers.json")"
    [[ "$ours" == "$theirs" ]] || { diff <(echo "$ours") <(echo "$theirs"); return 1; }
}
lc_check "image IDs, layer IDs and digests equal podman's own pull" t_same_ids_as_podman

t_podman_runs_pulled() {
    [[ "$(lc_podman run --rm "$R/test/multilayer:latest" /usr/local/bin/hello)" == "hello from layer 4" ]]
    lc_podman image inspect "$R/test/busybox:latest" --format '{{.Digest}}' | grep -q '^sha256:'
}
lc_check "podman runs and inspects the images we pulled" t_podman_runs_pulled

t_copy_back() {
    command -v lc-skopeo >/dev/null || lc_skip "lc-skopeo not built"
    rm -rf "$T/back"
    lc-skopeo copy -q "containers-storage:$R/test/multilayer:latest" "dir:$T/back" >/dev/null
    local d
    for d in $(lc_podman image inspect "$R/test/multilayer:latest" --format '{{range .RootFS.Layers}}{{println .}}{{end}}'); do
        [[ -f "$T/back/${d#sha256:}" ]] || { echo "missing $d"; ls "$T/back"; return 1; }
    done
}
lc_check "lc-skopeo copy containers-storage: -> dir: gives the DiffIDs" t_copy_back

t_concurrent_pulls() {
    local i p rc=0
    local -a pids=() what=()
    for i in 1 2 3 4 5; do
        lc_podman rmi -a -f >/dev/null 2>&1
        lc-podman pull -q --tls-verify=false "$R/test/multilayer:latest" >"$T/c1.log" 2>&1 & pids+=($!); what+=(lc-pull)
        lc_podman pull -q --tls-verify=false "$R/test/busybox2:latest" >"$T/c2.log" 2>&1 & pids+=($!); what+=(podman-pull)
        lc_podman images >"$T/c3.log" 2>&1 & pids+=($!); what+=(podman-images)
        for p in "${!pids[@]}"; do
            wait "${pids[$p]}" || { echo "round $i: ${what[$p]} failed"; cat "$T/c$((p + 1)).log"; rc=1; }
        done
        pids=() what=()
        ((rc == 0)) || return 1
        lc-podman images | grep -q test/multilayer || { echo "round $i: lc does not list multilayer"; return 1; }
        lc-podman images | grep -q test/busybox2 || { echo "round $i: lc does not list busybox2"; return 1; }
        lc_podman images | grep -q test/multilayer || { echo "round $i: podman does not list multilayer"; return 1; }
    done
    "$LC_STORE_CHECK"
}
lc_check "lc-podman pull and podman pull at the same time, 5 rounds; layers check" t_concurrent_pulls

t_kill_during_pull() {
    # one big layer: 64 MB of random data, so that a kill lands mid-layer
    local work="$T/big" i delay
    mkdir -p "$work/rootfs"
    head -c 64M /dev/urandom >"$work/rootfs/blob"
    tar -C "$work/rootfs" -cf "$work/big.tar" . || return 1
    lc_podman import -q "$work/big.tar" localhost/big:latest >/dev/null || return 1
    lc_podman push -q --tls-verify=false localhost/big:latest "docker://$R/test/big:latest" || return 1
    lc_podman rmi -f localhost/big:latest >/dev/null
    for delay in 0.2 0.5 0.8 1.2; do
        lc-podman pull -q --tls-verify=false "$R/test/big:latest" >/dev/null 2>&1 &
        sleep "$delay"
        kill -9 $! 2>/dev/null
        wait $! 2>/dev/null
        # podman opens the store cleanly (and drops an incomplete layer)
        lc_podman images >/dev/null || return 1
        "$LC_STORE_CHECK" >/dev/null || return 1
    done
    lc-podman pull -q --tls-verify=false "$R/test/big:latest" >/dev/null || return 1
    lc_podman run --rm "$R/test/big:latest" true 2>/dev/null || [[ -n "$(lc_podman images -q "$R/test/big:latest")" ]] || return 1
    "$LC_STORE_CHECK"
    # nothing of ours left behind in the records: no incomplete layers
    ! grep -q '"incomplete":true' "$LC_GRAPHROOT/overlay-layers/layers.json"
}
lc_check "kill -9 during lc-podman pull: podman and we open the store, pull again works" t_kill_during_pull

lc_done
