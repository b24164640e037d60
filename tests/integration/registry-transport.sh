#!/bin/bash
# The docker:// transport under lc-skopeo copy and inspect, against Debian's
# real docker-registry on 127.0.0.1: push and pull round trips that keep
# digests (checked by the real skopeo), TLS with a certs.d CA and htpasswd,
# Bearer tokens with cross-repository mounts, registries.conf mirrors and
# location rewriting, and a blob corrupted in the registry's storage.
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
need_copy() {
    local rc=0
    lc-skopeo copy --help >/dev/null 2>&1 || rc=$?
    ((rc == 0)) || lc_skip "lc-skopeo copy is not available" || return 1
}
# Real skopeo as the referee, with no machine state.
sk() { lc_run_hermetic skopeo --insecure-policy "$@"; }

lc_image_multilayer "$W/oci" v1 >/dev/null
ML_DIGEST="$LC_IMAGE_DIGEST"

lc_registry_start --name PLAIN
lc_registry_start --name SEC --tls --htpasswd alice:wonderland
lc_registry_start --name TOK --token --htpasswd bob:builder

check_push_pull_plain() {
    need_copy || return 1
    lc-skopeo copy -q --dest-tls-verify=false "oci:$W/oci:v1" "docker://$PLAIN/lc/ml:v1" || return 1
    [[ "$(sk inspect --tls-verify=false "docker://$PLAIN/lc/ml:v1" | json 'd["Digest"]')" == "$ML_DIGEST" ]] || return 1
    lc-skopeo copy -q --src-tls-verify=false "docker://$PLAIN/lc/ml:v1" "oci:$W/back:v1" || return 1
    lc_image_check "$W/back" || return 1
    grep -q "${ML_DIGEST#sha256:}" "$W/back/index.json" || return 1
}
lc_check "push and pull over plain HTTP keep the manifest digest" check_push_pull_plain

check_tls_push_pull() {
    need_copy || return 1
    local certs="$SEC_CERTS_D/$SEC"
    # Verified TLS: the CA comes from --dest-cert-dir / --src-cert-dir.
    lc-skopeo copy -q --dest-cert-dir "$certs" --dest-creds alice:wonderland \
        "oci:$W/oci:v1" "docker://$SEC/lc/ml:v1" || return 1
    [[ "$(sk inspect --cert-dir "$certs" --creds alice:wonderland "docker://$SEC/lc/ml:v1" | json 'd["Digest"]')" == "$ML_DIGEST" ]] || return 1
    lc-skopeo copy -q --src-cert-dir "$certs" --src-creds alice:wonderland \
        "docker://$SEC/lc/ml:v1" "oci:$W/back-sec:v1" || return 1
    lc_image_check "$W/back-sec" || return 1
    grep -q "${ML_DIGEST#sha256:}" "$W/back-sec/index.json" || return 1
    # The cert dir of one side is not used for the other.
    local rc=0
    lc-skopeo copy -q --dest-cert-dir "$certs" --src-creds alice:wonderland \
        "docker://$SEC/lc/ml:v1" "oci:$W/back-sec2:v1" 2>/dev/null || rc=$?
    ((rc != 0)) && [[ ! -e "$W/back-sec2/index.json" ]] || return 1
    # registries.conf insecure = true still works without a CA.
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$SEC" >"$W/sec.conf" || return 1
    lc-skopeo --registries-conf "$W/sec.conf" copy -q --src-creds alice:wonderland \
        "docker://$SEC/lc/ml:v1" "oci:$W/back-sec3:v1" || return 1
}
lc_check "push and pull over verified TLS (--src-cert-dir, --dest-cert-dir) with htpasswd credentials" check_tls_push_pull

# auth.json files per side: --src-authfile, --dest-authfile, --authfile for
# both; an explicit file is the only one read (as skopeo); --*-no-creds.
auth_json() { printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$1" "$(printf '%s' "$2" | base64 -w0)"; }
check_auth_files() {
    need_copy || return 1
    local certs="$SEC_CERTS_D/$SEC" rc=0
    auth_json "$SEC" alice:wonderland >"$W/alice.json" || return 1
    auth_json "$SEC" alice:wrong >"$W/wrong.json" || return 1
    # The default auth file (REGISTRY_AUTH_FILE) has good credentials ...
    auth_json "$SEC" alice:wonderland >"$W/default-auth.json" || return 1
    REGISTRY_AUTH_FILE="$W/default-auth.json" lc-skopeo copy -q --dest-cert-dir "$certs" \
        "oci:$W/oci:v1" "docker://$SEC/lc/auth:v1" || return 1
    # ... but an explicit empty file is the only one read.
    rc=0
    REGISTRY_AUTH_FILE="$W/default-auth.json" lc-skopeo copy -q --dest-cert-dir "$certs" \
        --dest-authfile "$W/empty-auth.json" "oci:$W/oci:v1" "docker://$SEC/lc/auth:v2" 2>"$W/auth.err" || rc=$?
    ((rc != 0)) && grep -qi "unauthorized\|authentication required" "$W/auth.err" || return 1
    lc-skopeo copy -q --dest-cert-dir "$certs" --dest-authfile "$W/alice.json" \
        "oci:$W/oci:v1" "docker://$SEC/lc/auth:v2" || return 1
    lc-skopeo copy -q --src-cert-dir "$certs" --src-authfile "$W/alice.json" \
        "docker://$SEC/lc/auth:v2" "oci:$W/auth-back:v1" || return 1
    # --authfile covers both sides; a side's own file wins over it.
    lc-skopeo copy -q --src-cert-dir "$certs" --dest-cert-dir "$certs" --authfile "$W/alice.json" \
        "docker://$SEC/lc/auth:v2" "docker://$SEC/lc/auth:v3" || return 1
    rc=0
    lc-skopeo copy -q --src-cert-dir "$certs" --dest-cert-dir "$certs" --authfile "$W/alice.json" \
        --dest-authfile "$W/wrong.json" "docker://$SEC/lc/auth:v2" "docker://$SEC/lc/auth:v4" 2>/dev/null || rc=$?
    ((rc != 0)) || return 1
    # --src-no-creds: anonymous, so refused by this registry.
    rc=0
    lc-skopeo copy -q --src-cert-dir "$certs" --src-authfile "$W/alice.json" --src-no-creds \
        "docker://$SEC/lc/auth:v2" "oci:$W/auth-anon:v1" 2>"$W/anon.err" || rc=$?
    ((rc != 0)) && grep -qi "unauthorized\|authentication required" "$W/anon.err" || return 1
    [[ ! -e "$W/auth-anon/index.json" ]] || return 1
    rc=0
    lc-skopeo copy -q --src-creds a:b --src-no-creds "oci:$W/oci:v1" "oci:$W/x:v1" 2>/dev/null || rc=$?
    ((rc == 2)) || return 1
    # Anonymous pull from the token registry works with --src-no-creds.
    lc-skopeo copy -q --dest-tls-verify=false --dest-creds bob:builder "oci:$W/oci:v1" "docker://$TOK/lc/anon:v1" || return 1
    lc-skopeo copy -q --src-tls-verify=false --src-no-creds "docker://$TOK/lc/anon:v1" "oci:$W/tok-anon:v1" || return 1
    # The digest is what was pushed.
    [[ "$(lc-skopeo inspect --cert-dir "$certs" --authfile "$W/alice.json" "docker://$SEC/lc/auth:v3" | json 'd["Digest"]')" == "$ML_DIGEST" ]] || return 1
}
lc_check "--src-authfile, --dest-authfile, --authfile (only that file), --src-no-creds" check_auth_files

check_tls_refused_without_trust() {
    need_copy || return 1
    local out rc=0
    out="$(lc-skopeo copy -q --dest-creds alice:wonderland "oci:$W/oci:v1" "docker://$SEC/lc/ml:v2" 2>&1)" || rc=$?
    ((rc != 0)) && grep -qi "certificate\|TLS\|handshake\|issuer" <<<"$out" || return 1
}
lc_check "a push to an untrusted TLS registry fails" check_tls_refused_without_trust

check_token_push_and_mount() {
    need_copy || return 1
    lc-skopeo copy -q --dest-tls-verify=false --dest-creds bob:builder "oci:$W/oci:v1" "docker://$TOK/lc/a:v1" || return 1
    local before
    before="$(wc -l <"$TOK_TOKEN_LOG")" || return 1
    lc-skopeo copy -q --src-tls-verify=false --dest-tls-verify=false --src-creds bob:builder \
        --dest-creds bob:builder "docker://$TOK/lc/a:v1" "docker://$TOK/lc/b:v1" || return 1
    # the mount token asks for both repositories
    tail -n +"$((before + 1))" "$TOK_TOKEN_LOG" | grep -q '"repository:lc/b:pull,push", "repository:lc/a:pull"' || return 1
    [[ "$(sk inspect --tls-verify=false --creds bob:builder "docker://$TOK/lc/b:v1" | json 'd["Digest"]')" == "$ML_DIGEST" ]] || return 1
}
lc_check "Bearer push, then a copy inside the registry mounts blobs across repositories" check_token_push_and_mount

check_mirror() {
    need_copy || return 1
    printf '[[registry]]\nprefix = "primary.invalid"\nlocation = "primary.invalid"\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\n' \
        "$PLAIN" >"$W/mirror.conf" || return 1
    local out
    out="$(lc-skopeo --registries-conf "$W/mirror.conf" inspect "docker://primary.invalid/lc/ml:v1")" || return 1
    [[ "$(json 'd["Name"]' <<<"$out")" == "primary.invalid/lc/ml" ]] || return 1
    [[ "$(json 'd["Digest"]' <<<"$out")" == "$ML_DIGEST" ]] || return 1
}
lc_check "a registries.conf mirror serves the pull; the name stays the logical one" check_mirror

check_digest_only_mirror_skipped_for_tags() {
    need_copy || return 1
    local out rc=0
    printf '[[registry]]\nprefix = "primary.invalid"\nlocation = "primary.invalid"\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\npull-from-mirror = "digest-only"\n' \
        "$PLAIN" >"$W/mirror2.conf" || return 1
    out="$(lc-skopeo --registries-conf "$W/mirror2.conf" inspect "docker://primary.invalid/lc/ml:v1" 2>&1)" || rc=$?
    ((rc != 0)) || return 1
    lc-skopeo --registries-conf "$W/mirror2.conf" inspect "docker://primary.invalid/lc/ml@$ML_DIGEST" |
        grep -q "$ML_DIGEST" || return 1
}
lc_check "a digest-only mirror is used for digests, not for tags" check_digest_only_mirror_skipped_for_tags

check_location_rewrite() {
    need_copy || return 1
    printf '[[registry]]\nprefix = "*.wild.test"\nlocation = "%s/lc"\ninsecure = true\n' "$PLAIN" >"$W/wild.conf" || return 1
    lc-skopeo --registries-conf "$W/wild.conf" inspect "docker://a.wild.test/ml:v1" | grep -q "$ML_DIGEST" || return 1
}
lc_check "a wildcard prefix rewrites the location" check_location_rewrite

check_blocked() {
    need_copy || return 1
    local out rc=0
    printf '[[registry]]\nlocation = "%s"\nblocked = true\n' "$PLAIN" >"$W/blocked.conf" || return 1
    out="$(lc-skopeo --registries-conf "$W/blocked.conf" copy -q --dest-tls-verify=false "oci:$W/oci:v1" "docker://$PLAIN/lc/x:v1" 2>&1)" || rc=$?
    ((rc != 0)) && grep -q "is blocked" <<<"$out" || return 1
}
lc_check "a blocked registry refuses pushes" check_blocked

check_corrupt_blob() {
    need_copy || return 1
    lc-skopeo copy -q --dest-tls-verify=false "oci:$W/oci:v1" "docker://$PLAIN/lc/corrupt:v1" || return 1
    local layer path out rc=0
    layer="$(sk inspect --tls-verify=false "docker://$PLAIN/lc/corrupt:v1" | json 'd["Layers"][0]')" || return 1
    path="$(lc_registry_blob_path PLAIN "$layer")" || return 1
    chmod u+w "$path" || return 1
    printf 'X' | dd of="$path" bs=1 seek=100 conv=notrunc 2>/dev/null || return 1
    out="$(lc-skopeo copy -q --src-tls-verify=false "docker://$PLAIN/lc/corrupt:v1" "oci:$W/corrupt:v1" 2>&1)" || rc=$?
    ((rc != 0)) && grep -qi "digest did not match" <<<"$out" || return 1
    # nothing of that blob reached the destination
    [[ ! -e "$W/corrupt/blobs/sha256/${layer#sha256:}" ]] || return 1
    ! grep -qs '"v1"' "$W/corrupt/index.json" || return 1
    # nor a dir: destination
    rc=0
    out="$(lc-skopeo copy -q --src-tls-verify=false "docker://$PLAIN/lc/corrupt:v1" "dir:$W/corrupt-dir" 2>&1)" || rc=$?
    ((rc != 0)) && grep -qi "digest did not match" <<<"$out" || return 1
    [[ -z "$(find "$W/corrupt-dir" -type f 2>/dev/null)" ]] || return 1
    # nor a registry destination
    rc=0 || return 1
    lc-skopeo copy -q --src-tls-verify=false --dest-tls-verify=false --dest-creds bob:builder \
        "docker://$PLAIN/lc/corrupt:v1" "docker://$TOK/lc/corrupt:v1" >/dev/null 2>&1 || rc=$?
    ((rc != 0)) || return 1
    ! lc_registry_curl TOK -fsS -o /dev/null -I \
        -H "Authorization: Bearer $(lc_registry_token TOK repository:lc/corrupt:pull)" \
        "/v2/lc/corrupt/blobs/$layer" || return 1
}
lc_check "a blob corrupted in the registry fails the copy and is stored nowhere (oci:, dir:, docker://)" check_corrupt_blob

lc_done
