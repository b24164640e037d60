#!/bin/bash
# Round trips through every transport and a real docker-registry (plain
# HTTP, TLS with a certs.d CA and htpasswd, Bearer tokens), for busybox,
# the 4-layer image, the multi-platform index (--all) and the real Debian
# image: oci → registry → oci / dir / oci-archive / docker-archive → back
# to the registry; manifest digests are kept wherever the format is, and
# the real skopeo agrees with our inspect on what we wrote.
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

lc_need_cmd lc-skopeo skopeo tar gzip openssl curl "$LC_PYTHON"

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
raw_digest() { echo "sha256:$(sha256sum | cut -d' ' -f1)"; }
# The fields both tools must agree on.
fields() { json '(d["Digest"], d["Layers"], d.get("Architecture"), d.get("Os"), d.get("Labels"), d.get("Env"))'; }

lc_image_busybox "$W/bb" v1 >/dev/null;  BB="$LC_IMAGE_DIGEST"
lc_image_multilayer "$W/ml" v1 >/dev/null; ML="$LC_IMAGE_DIGEST"
lc_image_index "$W/idx" v1 >/dev/null;   IDX="$LC_IMAGE_DIGEST"

lc_registry_start --name PLAIN
lc_registry_start --name SEC --tls --htpasswd alice:wonderland
lc_registry_start --name TOK --token --htpasswd bob:builder

# round_trip NAME LAYOUT DIGEST [--all] — through PLAIN and every transport.
round_trip() {
    local name="$1" layout="$2" digest="$3" all="${4:-}" t out theirs ours
    local -a opt=()
    [[ -n "$all" ]] && opt=("$all")
    lcs copy -q "${opt[@]}" --dest-tls-verify=false "oci:$layout:v1" "docker://$PLAIN/rt/$name:v1" || return 1
    [[ "$(sk inspect --raw --tls-verify=false "docker://$PLAIN/rt/$name:v1" | raw_digest)" == "$digest" ]] || return 1
    for t in oci dir oci-archive; do
        local dest
        case $t in
            oci) dest="oci:$W/$name-oci:v1" ;;
            dir) dest="dir:$W/$name-dir" ;;
            oci-archive) dest="oci-archive:$W/$name.tar:v1" ;;
        esac
        lcs copy -q "${opt[@]}" --src-tls-verify=false "docker://$PLAIN/rt/$name:v1" "$dest" || return 1
        [[ "$(lcs inspect --raw "$dest" | raw_digest)" == "$digest" ]] || { echo "$t: digest changed"; return 1; }
        [[ "$(sk inspect --raw "$dest" | raw_digest)" == "$digest" ]] || { echo "$t: skopeo reads another digest"; return 1; }
        theirs="$(sk inspect "$dest" | fields)" || return 1
        ours="$(lcs inspect "$dest" | fields)" || return 1
        [[ -n "$ours" && "$theirs" == "$ours" ]] || { echo "$t: inspect differs: $theirs / $ours"; return 1; }
        # and back to the registry, unchanged
        lcs copy -q "${opt[@]}" --dest-tls-verify=false "$dest" "docker://$PLAIN/rt/$name-from-$t:v1" || return 1
        [[ "$(sk inspect --raw --tls-verify=false "docker://$PLAIN/rt/$name-from-$t:v1" | raw_digest)" == "$digest" ]] || return 1
    done
    [[ -n "$all" ]] && return 0
    # docker-archive stores schema2: the config and layers are kept.
    lcs copy -q --src-tls-verify=false "docker://$PLAIN/rt/$name:v1" "docker-archive:$W/$name-da.tar:rt/$name:v1" || return 1
    out="$(sk inspect "docker-archive:$W/$name-da.tar" | json 'd["Layers"]')" || return 1
    [[ "$out" == "$(lcs inspect "docker-archive:$W/$name-da.tar" | json 'd["Layers"]')" ]] || return 1
    [[ "$(sk inspect --config --raw "docker-archive:$W/$name-da.tar" | raw_digest)" == \
       "$(sk inspect --config --raw --tls-verify=false "docker://$PLAIN/rt/$name:v1" | raw_digest)" ]] || return 1
    lcs copy -q --dest-tls-verify=false "docker-archive:$W/$name-da.tar" "docker://$PLAIN/rt/$name-from-da:v1" || return 1
    [[ "$(sk inspect --config --raw --tls-verify=false "docker://$PLAIN/rt/$name-from-da:v1" | raw_digest)" == \
       "$(sk inspect --config --raw "docker-archive:$W/$name-da.tar" | raw_digest)" ]] || return 1
}
lc_check "busybox: registry ↔ oci, dir, oci-archive, docker-archive" round_trip bb "$W/bb" "$BB"
lc_check "4-layer image: registry ↔ oci, dir, oci-archive, docker-archive" round_trip ml "$W/ml" "$ML"
lc_check "index (--all): registry ↔ oci, dir, oci-archive keep the index digest" round_trip idx "$W/idx" "$IDX" --all

check_index_single() {
    # without --all the host's instance is copied, as skopeo does
    lcs copy -q --src-tls-verify=false "docker://$PLAIN/rt/idx:v1" "oci:$W/idx-one:v1" || return 1
    sk copy -q --src-tls-verify=false "docker://$PLAIN/rt/idx:v1" "oci:$W/idx-one-sk:v1" >/dev/null || return 1
    [[ "$(lcs inspect --raw "oci:$W/idx-one:v1" | raw_digest)" == "$(sk inspect --raw "oci:$W/idx-one-sk:v1" | raw_digest)" ]] || return 1
}
lc_check "index without --all: the same instance as skopeo picks" check_index_single

check_tls_and_tokens() {
    local certs="$SEC_CERTS_D/$SEC"
    lcs copy -q --dest-cert-dir "$certs" --dest-creds alice:wonderland "oci:$W/ml:v1" "docker://$SEC/rt/ml:v1" || return 1
    lcs copy -q --src-cert-dir "$certs" --src-creds alice:wonderland --dest-tls-verify=false --dest-creds bob:builder \
        "docker://$SEC/rt/ml:v1" "docker://$TOK/rt/ml:v1" || return 1
    lcs copy -q --src-tls-verify=false "docker://$TOK/rt/ml:v1" "oci:$W/ml-tok:v1" || return 1   # anonymous token
    [[ "$(lcs inspect --raw "oci:$W/ml-tok:v1" | raw_digest)" == "$ML" ]] || return 1
    [[ "$(sk inspect --raw --cert-dir "$certs" --creds alice:wonderland "docker://$SEC/rt/ml:v1" | raw_digest)" == "$ML" ]] || return 1
    [[ "$(sk inspect --raw --tls-verify=false "docker://$TOK/rt/ml:v1" | raw_digest)" == "$ML" ]] || return 1
}
lc_check "4-layer image through TLS + htpasswd and Bearer-token registries" check_tls_and_tokens

if lc_debian_cached || [[ "${LC_BUILD_DEBIAN:-1}" == 1 ]]; then
    t0=$SECONDS
    lc_image_debian "$W/deb-unused" >/dev/null
    DEB_REF="oci:$LC_DEBIAN_LAYOUT:$LC_DEBIAN_SUITE"
    DEB="$(sk inspect --raw "$DEB_REF" | raw_digest)"
    lcs copy -q "$DEB_REF" "oci:$W/deb:v1"
    lc_log "Debian image ready in $((SECONDS - t0)) s"
    lc_check "Debian $LC_DEBIAN_SUITE: registry ↔ oci, dir, oci-archive, docker-archive" round_trip deb "$W/deb" "$DEB"
else
    lc_check_skip "Debian image round trip" "the Debian image is not built (LC_BUILD_DEBIAN=0)"
fi

lc_done
