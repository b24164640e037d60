#!/bin/bash
# lc-skopeo sync against Debian's docker-registry: a repository (every
# tag) or one tagged image to dir:, oci: and another registry, --scoped,
# a dir: tree back to a registry, --all for an index, TLS with cert dirs
# and credentials, --dry-run. The real skopeo sync is the referee for the
# destination names and the digests.
#
# Exit: 0 pass, 77 skip, 1 fail.  Output: TAP.
# shellcheck disable=SC2317  # check functions are called through lc_check
set -euo pipefail

LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
# shellcheck source=tests/lib/common.sh
. "$LIB/common.sh"
# shellcheck source=tests/lib/registry.sh
. "$LIB/registry.sh"
# shellcheck source=tests/lib/images.sh
. "$LIB/images.sh"

lc_need_cmd lc-skopeo skopeo tar gzip curl openssl "$LC_PYTHON"

lc_tmpdir W
printf '{"auths":{}}\n' >"$W/empty-auth.json"
: >"$W/registries.conf"
export CONTAINERS_REGISTRIES_CONF="$W/registries.conf"
export REGISTRY_AUTH_FILE="$W/empty-auth.json"
export XDG_CONFIG_HOME="$W/xdg" HOME="$W/home" DOCKER_CONFIG="$W/docker"
mkdir -p "$HOME"

json() { "$LC_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
sk() { lc_run_hermetic skopeo --insecure-policy "$@"; }
lcs() { lc-skopeo --insecure-policy "$@"; }
# the entries of a directory, sorted, on one line
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' '; }
# the sha256 of a dir: image's manifest
dir_digest() { echo "sha256:$(sha256sum "$1/manifest.json" | cut -d' ' -f1)"; }

lc_image_busybox "$W/bb" v1 >/dev/null
BB="$LC_IMAGE_DIGEST"
lc_image_multilayer "$W/ml" v1 >/dev/null
ML="$LC_IMAGE_DIGEST"
lc_image_index "$W/idx" v1 >/dev/null
IDX="$LC_IMAGE_DIGEST"

lc_registry_start
REG="$LC_REGISTRY"
lc_registry_start --name SEC --tls --htpasswd alice:wonderland
lc_image_push "$W/bb:v1" "docker://$REG/lc/bb:v1"
lc_image_push "$W/bb:v1" "docker://$REG/lc/bb:v2"
lc_image_push "$W/ml:v1" "docker://$REG/lc/bb:multi"
lc_image_push "$W/idx:v1" "docker://$REG/lc/idx:v1"

check_repo_to_dir() {
    lcs sync -q --src docker --dest dir --src-tls-verify=false "$REG/lc/bb" "$W/d1" || return 1
    [[ "$(names "$W/d1")" == "bb:multi bb:v1 bb:v2 " ]] || return 1
    [[ "$(dir_digest "$W/d1/bb:v1")" == "$BB" && "$(dir_digest "$W/d1/bb:v2")" == "$BB" ]] || return 1
    [[ "$(dir_digest "$W/d1/bb:multi")" == "$ML" ]] || return 1
    # the real skopeo makes the same names
    sk sync --src docker --dest dir --src-tls-verify=false "$REG/lc/bb" "$W/d1-theirs" >/dev/null || return 1
    [[ "$(cd "$W/d1" && find . | sort)" == "$(cd "$W/d1-theirs" && find . -not -name version -not -name 'signature*' | sort)" ]] ||
        [[ "$(cd "$W/d1" && find . -type d | sort)" == "$(cd "$W/d1-theirs" && find . -type d | sort)" ]] || return 1
}
lc_check "a repository (every tag) to dir:, named as skopeo names them" check_repo_to_dir

check_scoped_tag_to_oci() {
    # oci: splits PATH:REF at the first colon: the port's colon becomes '_'
    local layout="$W/o1/${REG/:/_}/lc/bb"
    lcs sync -q --src docker --dest oci --scoped --src-tls-verify=false "docker://$REG/lc/bb:v2" "$W/o1" || return 1
    lc_image_check "$layout" || return 1
    lcs inspect "oci:$layout:v2" | json 'd["Digest"]' | grep -qx "$BB" || return 1
    sk inspect "oci:$layout:v2" | json 'd["Digest"]' | grep -qx "$BB" || return 1
    # only that tag
    ! lcs inspect "oci:$layout:v1" >/dev/null 2>&1 || return 1
    # a whole repository, unscoped: one layout, every tag a ref name
    lcs sync -q --src docker --dest oci --src-tls-verify=false "$REG/lc/bb" "$W/o2" || return 1
    lc_image_check "$W/o2/bb" || return 1
    lcs inspect "oci:$W/o2/bb:multi" | json 'd["Digest"]' | grep -qx "$ML" || return 1
    lcs inspect "oci:$W/o2/bb:v1" | json 'd["Digest"]' | grep -qx "$BB" || return 1
}
lc_check "one tagged image to oci:, --scoped (registry/repository layout, tag as ref)" check_scoped_tag_to_oci

check_dir_to_registry() {
    lcs sync -q --src dir --dest docker --dest-tls-verify=false "$W/d1" "$REG/mirror" || return 1
    [[ "$(sk inspect --tls-verify=false "docker://$REG/mirror/bb:v1" | json 'd["Digest"]')" == "$BB" ]] || return 1
    [[ "$(sk inspect --tls-verify=false "docker://$REG/mirror/bb:multi" | json 'd["Digest"]')" == "$ML" ]] || return 1
    # scoped keeps the directory path
    lcs sync -q --src dir --dest docker --scoped --dest-tls-verify=false "$W/d1" "docker://$REG/scoped" || return 1
    [[ "$(sk inspect --tls-verify=false "docker://$REG/scoped/d1/bb:v2" | json 'd["Digest"]')" == "$BB" ]] ||
        [[ "$(sk inspect --tls-verify=false "docker://$REG/scoped/bb:v2" | json 'd["Digest"]')" == "$BB" ]] || return 1
}
lc_check "a dir: tree to a registry keeps every digest" check_dir_to_registry

check_all_index() {
    lcs sync -q --all --src docker --dest docker --src-tls-verify=false --dest-tls-verify=false \
        "$REG/lc/idx:v1" "$REG/copies" || return 1
    [[ "$(sk inspect --raw --tls-verify=false "docker://$REG/copies/idx:v1" | sha256sum | cut -d' ' -f1)" == "${IDX#sha256:}" ]] || return 1
    # without --all: the host's instance only
    lcs sync -q --src docker --dest dir --src-tls-verify=false "$REG/lc/idx:v1" "$W/one" || return 1
    [[ "$(dir_digest "$W/one/idx:v1")" != "$IDX" ]] || return 1
    json 'd["mediaType"]' <"$W/one/idx:v1/manifest.json" | grep -q "manifest.v1+json" || return 1
}
lc_check "--all copies a whole index registry to registry; without it one instance" check_all_index

check_tls_creds() {
    local certs="$SEC_CERTS_D/$SEC"
    lcs sync -q --src docker --dest docker --src-tls-verify=false --dest-cert-dir "$certs" \
        --dest-creds alice:wonderland "$REG/lc/bb" "$SEC/synced" || return 1
    [[ "$(sk inspect --cert-dir "$certs" --creds alice:wonderland "docker://$SEC/synced/bb:v2" | json 'd["Digest"]')" == "$BB" ]] || return 1
    # and back, listing the tags with credentials
    lcs sync -q --src docker --dest dir --src-cert-dir "$certs" --src-creds alice:wonderland \
        "$SEC/synced/bb" "$W/back" || return 1
    [[ "$(names "$W/back")" == "bb:multi bb:v1 bb:v2 " ]] || return 1
    local rc=0
    lcs sync -q --src docker --dest dir --src-cert-dir "$certs" "$SEC/synced/bb" "$W/noauth" 2>/dev/null || rc=$?
    ((rc == 1)) || return 1
}
lc_check "TLS and Basic credentials on both sides" check_tls_creds

check_dry_run_and_errors() {
    local out rc=0
    out="$(lcs sync --dry-run --src docker --dest dir --src-tls-verify=false "$REG/lc/bb" "$W/dry" 2>&1)" || return 1
    grep -q "Would have copied image ref 1/3" <<<"$out" || return 1
    [[ ! -e "$W/dry" ]] || return 1
    rc=0; lcs sync --src dir --dest dir "$W/d1" "$W/x" 2>/dev/null || rc=$?
    ((rc == 2)) || return 1
    rc=0; lcs sync --src oci --dest dir "$W/bb" "$W/x" 2>/dev/null || rc=$?
    ((rc == 2)) || return 1
    rc=0; lcs sync --src docker --dest dir --src-tls-verify=false "$REG/lc/nonexistent" "$W/x" 2>/dev/null || rc=$?
    ((rc == 1)) && [[ ! -e "$W/x" ]] || return 1
    # the policy applies to every image
    printf '{"default":[{"type":"reject"}]}' >"$W/reject.json"
    rc=0; lc-skopeo --policy "$W/reject.json" sync --src docker --dest dir --src-tls-verify=false "$REG/lc/bb" "$W/rej" 2>"$W/rej.err" || rc=$?
    ((rc == 1)) && grep -q "rejected by policy" "$W/rej.err" || return 1
    [[ -z "$(find "$W/rej" -type f 2>/dev/null)" ]] || return 1
}
lc_check "--dry-run writes nothing; bad transports and sources are errors; the policy applies" check_dry_run_and_errors

lc_done
