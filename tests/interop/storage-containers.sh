#!/bin/bash
# storage-containers.sh — container records (containers.json) shared with
# Debian's podman and buildah on one temporary store: a container we
# create is listed by `podman ps -a --external` and `buildah containers`,
# theirs are listed by us, mounts are counted together in
# mountpoints.json, an image in use cannot be removed, and removal on
# either side takes the record, the layer and the userdata directories.
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
lc_need_cmd podman buildah runc cc pkg-config
command -v lc-podman >/dev/null || lc_skip "lc-podman is not on PATH (run through meson test)"
: "${LC_BUILD_DIR:?}"
driver="${LC_STORAGE_DRIVER:-overlay}"

T="$(lc_tmpdir)"
lc_storage_env "$T"

tool="$T/lc-store-tool"
lc_storage_build "$tool" "$here/lc-store-tool.c"

lc_image_busybox "$T/bb" latest
lc-podman load -i "$T/bb" >/dev/null || lc_die "lc-podman load failed"
cj="$LC_GRAPHROOT/$driver-containers/containers.json"
mj="$LC_RUNROOT/$driver-layers/mountpoints.json"

# --- ours, seen by podman and buildah ---------------------------------------------
t_create() {
    local id
    id="$("$tool" create localhost/bb:latest lcctr)" || return 1
    [[ "$id" =~ ^[0-9a-f]{64}$ ]] || return 1
    echo "$id" >"$T/lcctr.id"
    [[ -d "$LC_GRAPHROOT/$driver-containers/$id/userdata" && -d "$LC_RUNROOT/$driver-containers/$id/userdata" ]] || return 1
    python3 - "$cj" "$id" <<'PY' || return 1
import json, sys
recs = [r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]]
assert len(recs) == 1, recs
r = recs[0]
assert r["names"] == ["lcctr"] and len(r["image"]) == 64 and len(r["layer"]) == 64, r
assert r["flags"] == {"MountLabel": "", "ProcessLabel": ""}, r
assert list(r)[:4] == ["id", "names", "image", "layer"], list(r)
PY
}
lc_check "a container record with its layer and userdata dirs" t_create

t_podman_ps_external() {
    local out
    out="$(lc_podman ps -a --external --format '{{.Names}} {{.Status}}')" || return 1
    echo "$out"
    grep -qx 'lcctr Storage' <<<"$out"
}
lc_check "podman ps -a --external lists our container as Storage" t_podman_ps_external

t_buildah_containers() {
    lc_buildah containers -a --format '{{.ContainerName}} {{.ImageName}}' | grep -q '^lcctr '
}
lc_check "buildah containers lists our container" t_buildah_containers

t_rmi_refused() {
    ! lc-podman rmi localhost/bb:latest >/dev/null 2>&1 || return 1
    lc-podman images | grep -q '^localhost/bb ' || return 1
    ! lc_podman rmi localhost/bb:latest >/dev/null 2>&1 || return 1
    lc_podman images | grep -q '^localhost/bb '
}
lc_check "removing the image in use is refused (by us and by podman)" t_rmi_refused

t_mount_shared_count() {
    local p1 p2
    p1="$("$tool" mount lcctr)" || return 1
    [[ -x "$p1/bin/busybox" ]] || { ls -la "$p1"; return 1; }
    echo written-by-lc >"$p1/lc-file" || return 1
    p2="$(lc_buildah mount lcctr)" || return 1
    [[ "$p1" == "$p2" ]] || { echo "lc: $p1 buildah: $p2"; return 1; }
    grep -q '"count":2' "$mj" || { cat "$mj"; return 1; }
    [[ "$(cat "$p2/lc-file")" == written-by-lc ]] || return 1
    lc_buildah umount lcctr >/dev/null || return 1
    grep -q '"count":1' "$mj" || { cat "$mj"; return 1; }
    "$tool" unmount lcctr || return 1
    [[ "$(cat "$mj")" == "[]" ]] || { cat "$mj"; return 1; }
}
lc_check "container mounts: lc and buildah share the count in mountpoints.json" t_mount_shared_count

t_buildah_rm_ours() {
    local id layer
    id="$(cat "$T/lcctr.id")"
    layer="$(python3 -c 'import json,sys; print([r["layer"] for r in json.load(open(sys.argv[1])) if r["id"]==sys.argv[2]][0])' "$cj" "$id")"
    lc_buildah rm lcctr >/dev/null || return 1
    ! "$tool" list | grep -q "$id" || return 1
    ! grep -q "$layer" "$LC_GRAPHROOT/$driver-layers/layers.json" || return 1
    [[ ! -e "$LC_GRAPHROOT/$driver-containers/$id" && ! -e "$LC_RUNROOT/$driver-containers/$id" ]]
}
lc_check "buildah rm of our container takes its record, layer and directories" t_buildah_rm_ours

# --- theirs, seen by us ---------------------------------------------------------------
t_theirs_listed() {
    lc_podman create -q --name podctr localhost/bb:latest true >/dev/null || return 1
    lc_buildah from -q --name bctr localhost/bb:latest >/dev/null || return 1
    lc_buildah from -q --name scratchctr scratch >/dev/null || return 1
    local out
    out="$("$tool" list)" || return 1
    echo "$out"
    grep -q ' podctr [0-9a-f]\{64\} ' <<<"$out" && grep -q ' bctr [0-9a-f]\{64\} ' <<<"$out" &&
        grep -q ' scratchctr - ' <<<"$out"
}
lc_check "containers made by podman create and buildah from (and from scratch) are listed" t_theirs_listed

t_mount_podman_ctr() {
    local p
    p="$("$tool" mount podctr)" || return 1
    [[ -x "$p/bin/busybox" ]] || return 1
    "$tool" unmount podctr || return 1
    [[ "$(lc_podman start -a podctr >/dev/null; echo $?)" == 0 ]]
}
lc_check "we mount and unmount podman's container; podman still starts it" t_mount_podman_ctr

t_rm_theirs() {
    "$tool" rm bctr || return 1
    "$tool" rm scratchctr || return 1
    ! lc_buildah containers -a --format '{{.ContainerName}}' | grep -qx 'bctr' || return 1
    ! lc_buildah containers -a --format '{{.ContainerName}}' | grep -qx 'scratchctr'
}
lc_check "we remove buildah's containers; buildah no longer lists them" t_rm_theirs

t_check_and_rmi() {
    "$tool" check --digests || return 1
    lc_podman rm podctr >/dev/null || return 1
    [[ -z "$("$tool" list)" ]] || return 1
    lc-podman rmi localhost/bb:latest >/dev/null || return 1
    "$tool" check
}
lc_check "the store checks clean; the image goes once its containers are gone" t_check_and_rmi

lc_done
