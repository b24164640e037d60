#!/bin/bash
# lc-skopeo copy and inspect across the local transports (oci, dir,
# oci-archive, docker-archive), checked against the real skopeo: what we
# write, skopeo reads with the same digests, and the other way round.
#
# Exit: 0 pass, 77 skip, 1 fail.  Output: TAP.
# shellcheck disable=SC2317  # check functions are called through lc_check
set -euo pipefail

LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
# shellcheck source=tests/lib/common.sh
. "$LIB/common.sh"
# shellcheck source=tests/lib/images.sh
. "$LIB/images.sh"

lc_need_cmd lc-skopeo skopeo tar gzip "$LC_PYTHON"

lc_tmpdir W
export XDG_CONFIG_HOME="$W/xdg" HOME="$W/home"
mkdir -p "$HOME"

json() { "$LC_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
our_digest() { lc-skopeo inspect "$1" | json 'd["Digest"]'; }
their_digest() { skopeo inspect "$1" | json 'd["Digest"]'; }
# Our inspect output without LayersData (skopeo 1.9.3 predates it).
our_inspect_old() {
    lc-skopeo inspect "$1" | "$LC_PYTHON" -c '
import json, sys
d = json.load(sys.stdin); d.pop("LayersData", None)
print(json.dumps(d, indent=4))'
}
their_inspect() { skopeo inspect "$1" | "$LC_PYTHON" -c '
import json, sys
d = json.load(sys.stdin); d.pop("LayersData", None)
print(json.dumps(d, indent=4))'; }

lc_image_busybox "$W/bb" v1 >/dev/null
BB="$LC_IMAGE_DIGEST"
lc_image_multilayer "$W/ml" v1 >/dev/null
ML="$LC_IMAGE_DIGEST"
lc_image_index "$W/idx" all >/dev/null
IDX="$LC_IMAGE_DIGEST"

same_digest() { # IMAGE EXPECTED: both skopeo and we report EXPECTED
    local ours theirs
    ours="$(our_digest "$1")"
    theirs="$(their_digest "$1")"
    [[ "$ours" == "$2" && "$theirs" == "$2" ]] || {
        echo "$1: ours $ours, skopeo $theirs, expected $2"
        return 1
    }
}

check_inspect_matches() {
    diff <(our_inspect_old "$1") <(their_inspect "$1")
}
lc_check "inspect oci: prints what skopeo prints" check_inspect_matches "oci:$W/bb:v1"
lc_check "inspect --raw is the manifest blob" \
    bash -c "cmp <(lc-skopeo inspect --raw oci:$W/bb:v1) <(skopeo inspect --raw oci:$W/bb:v1)"
lc_check "inspect --config --raw is the config blob" \
    bash -c "cmp <(lc-skopeo inspect --config --raw oci:$W/bb:v1) <(skopeo inspect --config --raw oci:$W/bb:v1)"

chain() { # copies $1 through every local transport and checks digests
    local src="$1" want="$2" tag="$3"
    lc-skopeo copy -q "oci:$W/$src:v1" "dir:$W/$tag-dir" &&
        same_digest "dir:$W/$tag-dir" "$want" &&
        lc-skopeo copy -q "dir:$W/$tag-dir" "oci-archive:$W/$tag.tar:t" &&
        same_digest "oci-archive:$W/$tag.tar:t" "$want" &&
        lc-skopeo copy -q "oci-archive:$W/$tag.tar:t" "oci:$W/$tag-oci:t2" &&
        same_digest "oci:$W/$tag-oci:t2" "$want" &&
        lc_image_check "$W/$tag-oci"
}
lc_check "busybox: oci → dir → oci-archive → oci keeps the digest" chain bb "$BB" bb
lc_check "multi-layer: oci → dir → oci-archive → oci keeps the digest" chain ml "$ML" ml

docker_archive() {
    local d
    lc-skopeo copy -q "oci:$W/bb:v1" "docker-archive:$W/ours.tar:busybox:test"
    skopeo copy -q "oci:$W/bb:v1" "docker-archive:$W/theirs.tar:busybox:test"
    d="$(their_digest "docker-archive:$W/theirs.tar")"
    same_digest "docker-archive:$W/ours.tar" "$d"
    check_inspect_matches "docker-archive:$W/ours.tar:busybox:test"
    # the same entries as docker save / skopeo writes, legacy metadata included
    diff <(tar tvf "$W/ours.tar") <(tar tvf "$W/theirs.tar")
    for f in manifest.json repositories; do
        cmp <(tar xOf "$W/ours.tar" "$f") <(tar xOf "$W/theirs.tar" "$f")
    done
    for f in $(tar tf "$W/theirs.tar" | grep '/json$'); do
        cmp <(tar xOf "$W/ours.tar" "$f") <(tar xOf "$W/theirs.tar" "$f")
    done
}
lc_check "docker-archive: what we write equals what skopeo writes" docker_archive

docker_archive_multi() {
    local d
    lc-skopeo copy -q "oci:$W/ml:v1" "docker-archive:$W/ml-ours.tar"
    skopeo copy -q "oci:$W/ml:v1" "docker-archive:$W/ml-theirs.tar"
    d="$(their_digest "docker-archive:$W/ml-theirs.tar")"
    same_digest "docker-archive:$W/ml-ours.tar" "$d"
    lc-skopeo copy -q "docker-archive:$W/ml-ours.tar" "oci:$W/ml-back:b"
    lc_image_check "$W/ml-back"
    skopeo copy -q "oci:$W/ml-back:b" "dir:$W/ml-back-dir"
}
lc_check "docker-archive: multi-layer image, and back to oci" docker_archive_multi

read_theirs() {
    skopeo copy -q "oci:$W/ml:v1" "dir:$W/s-dir"
    skopeo copy -q "oci:$W/ml:v1" "oci-archive:$W/s-oa.tar:x"
    skopeo copy -q "oci:$W/ml:v1" "oci:$W/s-oci:x"
    same_digest "dir:$W/s-dir" "$ML"
    same_digest "oci-archive:$W/s-oa.tar:x" "$ML"
    same_digest "oci:$W/s-oci:x" "$ML"
    lc-skopeo copy -q "dir:$W/s-dir" "oci:$W/s-back:x"
    same_digest "oci:$W/s-back:x" "$ML"
}
lc_check "skopeo writes, we read with the same digests" read_theirs

index_all() {
    lc-skopeo copy -q --all "oci:$W/idx:all" "oci:$W/idx-copy:all"
    same_digest "oci:$W/idx-copy:all" "$IDX"
    cmp <(lc-skopeo inspect --raw "oci:$W/idx-copy:all") <(skopeo inspect --raw "oci:$W/idx:all")
    skopeo copy -q --all "oci:$W/idx-copy:all" "dir:$W/idx-dir"
    lc-skopeo copy -q --all "dir:$W/idx-dir" "oci:$W/idx-back:x"
    same_digest "oci:$W/idx-back:x" "$IDX"
    # without --all: the host's instance
    lc-skopeo copy -q "oci:$W/idx:all" "oci:$W/idx-one:x"
    [[ "$(our_digest "oci:$W/idx-one:x")" == "$(skopeo inspect --raw "oci:$W/idx:all" | "$LC_PYTHON" -c '
import json, sys
for m in json.load(sys.stdin)["manifests"]:
    if m["platform"]["architecture"] == sys.argv[1]: print(m["digest"])' "$(lc_host_arch)")" ]]
}
lc_check "index: --all keeps the list, without it the host's instance" index_all

all_to_archive_fails() {
    ! lc-skopeo copy -q --all "oci:$W/idx:all" "docker-archive:$W/x.tar" 2>"$W/err" &&
        grep -q "does not support copying multiple images as a group" "$W/err" &&
        [[ ! -e "$W/x.tar" ]]
}
lc_check "index: --all to docker-archive is refused" all_to_archive_fails

v2s2() {
    lc-skopeo copy -q --format v2s2 "oci:$W/ml:v1" "dir:$W/v2s2"
    [[ "$(skopeo inspect --raw "dir:$W/v2s2" | json 'd["mediaType"]')" == \
        application/vnd.docker.distribution.manifest.v2+json ]]
    skopeo copy -q "dir:$W/v2s2" "oci:$W/v2s2-oci:x"
    lc_image_check "$W/v2s2-oci"
}
lc_check "--format v2s2 writes a schema2 manifest skopeo reads" v2s2

zstd() {
    lc-skopeo copy -q --dest-compress-format zstd "oci:$W/ml:v1" "oci:$W/zstd:z"
    skopeo inspect --raw "oci:$W/zstd:z" | grep -q 'tar+zstd'
    # skopeo 1.9.3 reads it (and copies it as it is) ...
    skopeo copy -q "oci:$W/zstd:z" "oci:$W/zstd-skopeo:z"
    same_digest "oci:$W/zstd-skopeo:z" "$(our_digest "oci:$W/zstd:z")"
    # ... but cannot convert zstd to docker-archive (fixed in later
    # versions); we decompress: the same archive as skopeo makes from the
    # gzip original, since the uncompressed layers are the same.
    skopeo copy -q "oci:$W/ml:v1" "docker-archive:$W/gzip-skopeo.tar"
    lc-skopeo copy -q "oci:$W/zstd:z" "docker-archive:$W/zstd-ours.tar"
    same_digest "docker-archive:$W/zstd-ours.tar" "$(their_digest "docker-archive:$W/gzip-skopeo.tar")"
}
lc_check "--dest-compress-format zstd, read back by skopeo" zstd

corrupt() {
    local layer
    cp -a "$W/bb" "$W/bad"
    layer="$(skopeo inspect --raw "oci:$W/bad:v1" | json 'd["layers"][0]["digest"].split(":")[1]')"
    chmod u+w "$W/bad/blobs/sha256/$layer"
    printf 'X' | dd of="$W/bad/blobs/sha256/$layer" bs=1 seek=1000 conv=notrunc status=none
    for dest in "oci:$W/bad-oci:x" "dir:$W/bad-dir" "oci-archive:$W/bad.tar" "docker-archive:$W/bad-da.tar"; do
        if lc-skopeo copy -q "oci:$W/bad:v1" "$dest" 2>"$W/err"; then
            echo "copy to $dest succeeded"
            return 1
        fi
        grep -q "Digest did not match" "$W/err" || { cat "$W/err"; return 1; }
    done
    for p in bad-oci bad-dir bad.tar bad-da.tar; do
        [[ ! -e "$W/$p" ]] || { echo "$p left behind"; return 1; }
    done
}
lc_check "a corrupt blob fails the copy and leaves nothing behind" corrupt

# Progress: bars (per blob, bytes done / total) on a terminal, plain lines
# otherwise, nothing with --quiet.
progress() {
    local out
    command -v script >/dev/null || lc_skip "script(1) is not installed" || return 1
    out="$(script -qec "lc-skopeo copy oci:$W/ml:v1 oci:$W/tty:v1" /dev/null)" || return 1
    printf '%s\n' "$out"
    grep -q $'\e\\[2KCopying blob [0-9a-f]\\{12\\} \\[=*' <<<"$out" || return 1
    grep -q ' / [0-9.]* [KM]\?i\?B done' <<<"$out" || return 1
    grep -q 'Writing manifest to image destination' <<<"$out" || return 1
    out="$(lc-skopeo copy oci:$W/ml:v1 oci:$W/notty:v1 2>&1)" || return 1
    ! grep -q $'\e' <<<"$out" || return 1
    [[ "$(grep -c '^Copying blob sha256:' <<<"$out")" == 4 ]] || return 1
    out="$(script -qec "lc-skopeo copy --quiet oci:$W/ml:v1 oci:$W/quiet:v1" /dev/null)" || return 1
    [[ -z "$out" ]] || return 1
}
lc_check "progress bars on a terminal, plain lines otherwise, none with --quiet" progress

lc_done
