#!/bin/bash
# storage-pull.sh — `lc-podman pull` from a local registry into a store
# shared with Debian's podman: same image and layer IDs as `podman pull`
# into a second store, podman lists and runs what we pulled, we pull while
# podman pulls (LC_STORAGE_ROUNDS rounds, default 20), kill -9 at random
# points of a pull (LC_KILL_ROUNDS, default 10) leaves a store both open,
# layers already in the store are not downloaded again, and
# `lc-skopeo copy containers-storage:` gives the registry's DiffIDs back.
#
#   LC_STORAGE_DRIVER  overlay (default) or vfs
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/registry.sh
. "$here/../lib/registry.sh"
# shellcheck source=tests/lib/podman.sh
. "$here/../lib/podman.sh"
# shellcheck source=tests/lib/images.sh
. "$here/../lib/images.sh"
# shellcheck source=tests/interop/storage-env.sh
. "$here/storage-env.sh"

lc_need_root
lc_need_cmd podman skopeo runc docker-registry
command -v lc-podman >/dev/null || lc_skip "lc-podman is not on PATH (run through meson test)"

lc_need_cmd cc pkg-config
: "${LC_BUILD_DIR:?}"
driver="${LC_STORAGE_DRIVER:-overlay}"
rounds="${LC_STORAGE_ROUNDS:-20}"
kills="${LC_KILL_ROUNDS:-10}"
lc_registry_start --quiet
T="$(lc_tmpdir)"
lc_storage_env "$T"
R="$LC_REGISTRY"

lc_image_busybox "$T/bb" latest
lc_image_multilayer "$T/ml" latest
lc_image_push "$T/bb:latest" "docker://$R/test/busybox:latest" >/dev/null
lc_image_push "$T/ml:latest" "docker://$R/test/multilayer:latest" >/dev/null
lc_image_push "$T/bb:latest" "docker://$R/test/busybox2:latest" >/dev/null
# A second registry for the layer-reuse test, which deletes a blob there.
lc_registry_start --name REG2 --quiet
R2="$REG2"
lc_podman_env "$T"
[[ "$driver" == overlay ]] || sed -i "s/^driver = .*/driver = \"$driver\"/" "$CONTAINERS_STORAGE_CONF"
lc_image_push "$T/bb:latest" "docker://$R2/test/busybox:latest" >/dev/null
lc_image_push "$T/bb:latest" "docker://$R2/test/busybox2:latest" >/dev/null
lc_image_push "$T/ml:latest" "docker://$R2/test/multilayer:latest" >/dev/null

# The layer checker (public API only), built against this build tree.
LC_STORE_CHECK="$T/lc-store-check"
lc_storage_build "$LC_STORE_CHECK" "$here/lc-store-check.c"

# A second store, filled by podman alone, as the reference.
P="$T/podman-only"
mkdir -p "$P"
ppodman() { podman --root "$P/root" --runroot "$P/run" --storage-driver "$driver" "$@"; }

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
    ours="$(python3 -c 'import json,sys; print("\n".join(sorted(l["id"]+" "+l.get("diff-digest","")+" "+l.get("compressed-diff-digest","") for l in json.load(open(sys.argv[1])))))' "$LC_GRAPHROOT/$driver-layers/layers.json")"
    theirs="$(python3 -c 'import json,sys; print("\n".join(sorted(l["id"]+" "+l.get("diff-digest","")+" "+l.get("compressed-diff-digest","") for l in json.load(open(sys.argv[1])))))' "$P/root/$driver-layers/layers.json")"
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

t_reuse_layers() {
    # A store of its own; its first pull downloads busybox. Then the
    # busybox layer blob is deleted from the registry: busybox2 (the same
    # image under another name) and multilayer (busybox plus 3 layers) can
    # only be pulled if that layer is taken from the store.
    local S="$T/reuse" base log="$T/reuse.log"
    lcp() { lc-podman --root "$S/root" --runroot "$S/run" --storage-driver "$driver" "$@"; }
    lcp pull --tls-verify=false "$R2/test/busybox:latest" >/dev/null 2>"$log" || { cat "$log"; return 1; }
    grep -q '^Copying blob sha256:[0-9a-f]*$' "$log" || { cat "$log"; return 1; }
    base="$(lc_registry_curl REG2 -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        /v2/test/busybox/manifests/latest | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')"
    [[ "$base" == sha256:* ]] || return 1
    rm -f "$(lc_registry_blob_path REG2 "$base")"
    lcp pull --tls-verify=false "$R2/test/busybox2:latest" >/dev/null 2>"$log" || { cat "$log"; return 1; }
    cat "$log"
    grep -q "^Copying blob $base skipped: already exists" "$log" || return 1
    ! grep -q '^Copying blob sha256:[0-9a-f]*$' "$log" || return 1   # nothing downloaded
    lcp pull --tls-verify=false "$R2/test/multilayer:latest" >/dev/null 2>"$log" || { cat "$log"; return 1; }
    cat "$log"
    grep -q "^Copying blob $base skipped: already exists" "$log" || return 1
    [[ "$(grep -c '^Copying blob sha256:[0-9a-f]*$' "$log")" == 3 ]] || return 1   # the 3 new layers only
    [[ "$(lcp images -q | wc -l)" == 2 ]] || return 1
    "$LC_STORE_CHECK" "$S/root" "$S/run" "$driver"
}
lc_check "pulls reuse layers already in the store: nothing downloaded twice" t_reuse_layers

t_concurrent_pulls() {
    # Each round: podman removes everything, then we pull one image while
    # podman pulls another (they share the busybox base layer) and lists.
    local i p rc=0 mine theirs
    local -a pids=() what=()
    for ((i = 1; i <= rounds; i++)); do
        if ((i % 2)); then mine=multilayer theirs=busybox2; else mine=busybox2 theirs=multilayer; fi
        lc_podman rmi -a -f >/dev/null 2>&1
        lc-podman pull -q --tls-verify=false "$R/test/$mine:latest" >"$T/c1.log" 2>&1 & pids+=($!); what+=(lc-pull)
        lc_podman pull -q --tls-verify=false "$R/test/$theirs:latest" >"$T/c2.log" 2>&1 & pids+=($!); what+=(podman-pull)
        lc_podman images >"$T/c3.log" 2>&1 & pids+=($!); what+=(podman-images)
        lc-podman images >"$T/c4.log" 2>&1 & pids+=($!); what+=(lc-images)
        for p in "${!pids[@]}"; do
            wait "${pids[$p]}" || { echo "round $i: ${what[$p]} failed"; cat "$T/c$((p + 1)).log"; rc=1; }
        done
        pids=() what=()
        ((rc == 0)) || return 1
        lc-podman images >"$T/lc-images.log" 2>&1 || { echo "round $i: lc-podman images failed"; cat "$T/lc-images.log"; return 1; }
        lc_podman images >"$T/podman-images.log" 2>&1 || { echo "round $i: podman images failed"; cat "$T/podman-images.log"; return 1; }
        for p in multilayer busybox2; do
            grep -q "test/$p " "$T/lc-images.log" || { echo "round $i: lc does not list $p"; cat "$T"/c*.log "$T/lc-images.log"; return 1; }
            grep -q "test/$p " "$T/podman-images.log" || { echo "round $i: podman does not list $p"; cat "$T"/c*.log "$T/podman-images.log" "$T/lc-images.log"; return 1; }
        done
        "$LC_STORE_CHECK" >"$T/check.log" 2>&1 || { echo "round $i:"; cat "$T/check.log"; return 1; }
    done
    echo "$rounds rounds"
    lc_podman run --rm "$R/test/multilayer:latest" /usr/local/bin/hello
}
lc_check "lc-podman pull and podman pull at the same time, $rounds rounds; both list both; store check" t_concurrent_pulls

t_kill_during_pull() {
    # one big layer: 64 MB of random data, so that a kill lands mid-layer
    local work="$T/big" i delay
    mkdir -p "$work/rootfs"
    head -c 64M /dev/urandom >"$work/rootfs/blob"
    tar -C "$work/rootfs" -cf "$work/big.tar" . || return 1
    lc_podman import -q "$work/big.tar" localhost/big:latest >/dev/null || return 1
    lc_podman push -q --tls-verify=false localhost/big:latest "docker://$R/test/big:latest" || return 1
    lc_podman rmi -f localhost/big:latest >/dev/null
    for ((i = 1; i <= kills; i++)); do
        delay="$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r / 32768 * 1.5 }')"
        echo "kill round $i after ${delay}s"
        lc-podman pull -q --tls-verify=false "$R/test/big:latest" >/dev/null 2>&1 &
        sleep "$delay"
        kill -9 $! 2>/dev/null
        wait $! 2>/dev/null
        # both open the store cleanly (and drop an incomplete layer)
        lc_podman images >/dev/null || return 1
        lc-podman images >/dev/null || return 1
        "$LC_STORE_CHECK" >"$T/check.log" 2>&1 || { cat "$T/check.log"; return 1; }
        # every few rounds, the image is removed again so the kill hits a pull
        if [[ -n "$(lc_podman images -q "$R/test/big:latest" 2>/dev/null)" ]]; then
            lc-podman rmi "$R/test/big:latest" >/dev/null || return 1
        fi
    done
    lc-podman pull -q --tls-verify=false "$R/test/big:latest" >/dev/null || return 1
    [[ "$(lc_podman run --rm "$R/test/big:latest" sh -c 'wc -c </blob' 2>/dev/null || lc_podman images -q "$R/test/big:latest")" != "" ]] || return 1
    "$LC_STORE_CHECK" || return 1
    # nothing of ours left behind in the records: no incomplete layers
    ! grep -q '"incomplete":true' "$LC_GRAPHROOT/$driver-layers/layers.json"
}
lc_check "kill -9 at $kills random points of lc-podman pull: both open the store, check clean, pull again works" t_kill_during_pull

lc_done
