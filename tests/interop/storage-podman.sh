#!/bin/bash
# storage-podman.sh — our store and Debian's podman/skopeo on one temporary
# store (tests/lib/podman.sh: overlay, ROOT/root, ROOT/run, private
# containers.conf): each side sees, runs and rebuilds what the other wrote.
#
#   LC_BUILD_DIR  the meson build directory (set by meson test)
#   LC_STORAGE_DRIVER  overlay (default) or vfs
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lib/podman.sh
. "$here/../lib/podman.sh"
# shellcheck source=tests/lib/images.sh
. "$here/../lib/images.sh"
# shellcheck source=tests/interop/storage-env.sh
. "$here/storage-env.sh"

lc_need_root
lc_need_cmd podman skopeo runc cc pkg-config
command -v lc-podman >/dev/null || lc_skip "lc-podman is not on PATH (run through meson test)"
: "${LC_BUILD_DIR:?}"
driver="${LC_STORAGE_DRIVER:-overlay}"

T="$(lc_tmpdir)"
lc_storage_env "$T"

# The layer checker: public API only, built against this build tree.
check_bin="$T/lc-store-check"
lc_storage_build "$check_bin" "$here/lc-store-check.c"

lc_image_busybox "$T/bb" latest
lc_image_multilayer "$T/ml" latest

# --- we write, podman reads ------------------------------------------------------
t_lc_load() {
    lc-podman load -i "$T/bb" | grep -q 'Loaded image: localhost/bb:latest'
    lc-podman load -i "$T/ml" | grep -q 'Loaded image: localhost/ml:latest'
}
lc_check "lc-podman load of two OCI layouts" t_lc_load

t_podman_lists_ours() {
    local ours theirs
    ours="$(lc-podman images -q --no-trunc | sort)"
    theirs="$(lc_podman images -q --no-trunc | sed 's/^sha256://' | sort)"
    [[ -n "$ours" && "$ours" == "$theirs" ]] || { echo "ours: $ours"; echo "podman: $theirs"; return 1; }
    lc_podman images --format '{{.Repository}}:{{.Tag}}' | grep -qx 'localhost/ml:latest'
}
lc_check "podman images lists our images with our IDs" t_podman_lists_ours

t_podman_runs_ours() {
    [[ "$(lc_podman run --rm localhost/bb:latest sh -c 'echo ok')" == ok ]]
}
lc_check "podman run of our busybox image" t_podman_runs_ours

t_podman_sees_whiteouts() {
    local out
    out="$(lc_podman run --rm localhost/ml:latest sh -c \
        'ls /data/opq; test ! -e /data/remove-me.txt && test ! -e /data/removedir && echo gone;
         cat /data/hardlink.txt; /usr/local/bin/hello')"
    echo "$out"
    [[ "$out" == $'new\ngone\nhard linked\nhello from layer 4' ]]
}
lc_check "podman run sees our whiteouts, opaque dir, hard link" t_podman_sees_whiteouts

t_podman_inspect_diffids() {
    local ours theirs
    ours="$(lc-podman image inspect localhost/ml | grep -o 'sha256:[0-9a-f]\{64\}' | sort -u)"
    theirs="$(lc_podman image inspect localhost/ml:latest --format '{{range .RootFS.Layers}}{{println .}}{{end}}' | sort -u)"
    for d in $theirs; do grep -qx "$d" <<<"$ours" || return 1; done
}
lc_check "podman image inspect shows the DiffIDs we recorded" t_podman_inspect_diffids

t_skopeo_copies_ours() {
    rm -rf "$T/dir-ml"
    lc_skopeo_real copy -q containers-storage:localhost/ml:latest "dir:$T/dir-ml" >/dev/null
    # blobs read back from the store (tar-split) have the DiffIDs as names
    local d
    for d in $(lc_podman image inspect localhost/ml:latest --format '{{range .RootFS.Layers}}{{println .}}{{end}}'); do
        [[ -f "$T/dir-ml/${d#sha256:}" ]] || { echo "missing blob $d"; ls "$T/dir-ml"; return 1; }
    done
}
lc_check "skopeo copy of our image gives blobs named by their DiffIDs" t_skopeo_copies_ours

# --- podman writes, we read ------------------------------------------------------
t_podman_tag_seen() {
    lc_podman tag localhost/bb:latest localhost/podtag:v1
    lc-podman images | grep -q '^localhost/podtag *v1 '
}
lc_check "a podman tag shows in lc-podman images" t_podman_tag_seen

t_podman_copy_seen() {
    lc_skopeo_real copy -q "oci:$T/ml:latest" containers-storage:localhost/ml-by-skopeo:latest >/dev/null
    lc-podman images --format json | grep -q '"localhost/ml-by-skopeo:latest"'
    lc-podman image inspect localhost/ml-by-skopeo | grep -q '"org.libcontainers.test": "multilayer"'
}
lc_check "an image stored by skopeo is listed and inspected by lc-podman" t_podman_copy_seen

t_layers_rebuild() {
    "$check_bin"
}
lc_check "every layer (ours and podman's) rebuilds to its DiffID from tar-split" t_layers_rebuild

# --- save and load, both ways ----------------------------------------------------------
t_save_load() {
    local id other="$T/other" f
    id="$(lc_podman image inspect --format '{{.Id}}' localhost/ml:latest)"
    for f in docker-archive oci-archive; do
        rm -rf "$other" "$T/ml.$f"
        lc-podman save --format "$f" -o "$T/ml.$f" localhost/ml:latest || return 1
        podman --root "$other/root" --runroot "$other/run" --storage-driver "$driver" load -q -i "$T/ml.$f" >/dev/null || return 1
        podman --root "$other/root" --runroot "$other/run" --storage-driver "$driver" images -q --no-trunc | grep -q "$id" || return 1
        podman --root "$other/root" --runroot "$other/run" --storage-driver "$driver" rmi -a -f >/dev/null 2>&1
    done
    rm -rf "$other" "$T/pod.tar"
    lc_podman save -q -o "$T/pod.tar" localhost/bb:latest || return 1
    lc-podman load --root "$other/root" --runroot "$other/run" --storage-driver "$driver" -i "$T/pod.tar" | grep -q 'Loaded image: localhost/bb:latest'
    [[ "$(lc-podman images -q --no-trunc --root "$other/root" --runroot "$other/run" --storage-driver "$driver")" == \
       "$(lc_podman image inspect --format '{{.Id}}' localhost/bb:latest)" ]]
}
lc_check "lc-podman save -> podman load, podman save -> lc-podman load: same image IDs" t_save_load

# --- mounts, counted together in mountpoints.json ------------------------------------
t_mount_counts() {
    local p1 p2 mj="$LC_RUNROOT/$driver-layers/mountpoints.json"
    p1="$(lc-podman image mount localhost/ml:latest)"
    [[ -d "$p1/data/opq" && ! -e "$p1/data/remove-me.txt" ]] || { ls -la "$p1/data"; return 1; }
    p2="$(lc_podman image mount localhost/ml:latest)"
    [[ "$p1" == "$p2" ]] || { echo "lc: $p1 podman: $p2"; return 1; }
    grep -q '"count":2' "$mj" || { cat "$mj"; return 1; }
    if [[ "$driver" == overlay ]]; then
        # same lowerdir string as podman builds (spec 5.4)
        grep -F " $p1 " /proc/self/mountinfo | grep -q "lowerdir=$LC_GRAPHROOT/overlay/[0-9a-f]*/diff:$LC_GRAPHROOT/overlay/l/" || return 1
    fi
    lc_podman image unmount localhost/ml:latest >/dev/null
    grep -q '"count":1' "$mj" || { cat "$mj"; return 1; }
    [[ -d "$p1/data/opq" ]] || return 1
    lc-podman image unmount localhost/ml:latest >/dev/null
    [[ "$(cat "$mj")" == "[]" ]] || { cat "$mj"; return 1; }
    if [[ "$driver" == overlay ]]; then
        ! grep -qF " $p1 " /proc/self/mountinfo && [[ ! -e "$p1" ]]
    fi
}
lc_check "image mounts: lc and podman share the count; last unmount cleans up" t_mount_counts

# --- names and removal, both ways ---------------------------------------------------
t_lc_tag_seen() {
    lc-podman tag localhost/bb:latest lctag:v2
    lc_podman images --format '{{.Repository}}:{{.Tag}}' | grep -qx 'localhost/lctag:v2'
    lc_podman run --rm localhost/lctag:v2 true
}
lc_check "an lc-podman tag shows in podman images and runs" t_lc_tag_seen

t_lc_rmi_untag() {
    lc-podman rmi localhost/lctag:v2 | grep -q 'Untagged: localhost/lctag:v2'
    ! lc_podman images --format '{{.Repository}}:{{.Tag}}' | grep -qx 'localhost/lctag:v2'
    lc_podman image exists localhost/bb:latest
}
lc_check "lc-podman rmi of one of several names only untags" t_lc_rmi_untag

t_lc_rmi_shared_layers() {
    # ml and ml-by-skopeo share all layers; removing one keeps the other whole
    lc-podman rmi localhost/ml:latest >/dev/null 2>&1 || true
    lc-podman rmi localhost/ml-by-skopeo:latest | grep -q '^Deleted: '
    ! lc_podman image exists localhost/ml-by-skopeo:latest
    lc_podman run --rm localhost/bb:latest true
    "$check_bin"
}
lc_check "lc-podman rmi removes images and unshared layers, the rest still runs" t_lc_rmi_shared_layers

t_podman_rmi_ours() {
    lc_podman rmi -f localhost/bb:latest localhost/podtag:v1 >/dev/null
    [[ -z "$(lc-podman images -q)" ]] || { lc-podman images; return 1; }
    [[ -z "$(lc_podman images -q)" ]]
}
lc_check "podman rmi of our image; both see an empty store" t_podman_rmi_ours

lc_done
