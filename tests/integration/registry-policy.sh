#!/bin/bash
# policy.json enforcement by lc-skopeo copy (and sync): reject, scopes by
# transport (docker repository, host, wildcard; oci and dir paths),
# signedBy / sigstoreSigned refused as not supported yet, a missing
# policy.json, --policy and --insecure-policy (as global options before the
# sub-command, as skopeo, and after it). A refused copy leaves nothing at
# the destination.
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

lc_need_cmd lc-skopeo tar gzip curl "$LC_PYTHON"

lc_tmpdir W
printf '{"auths":{}}\n' >"$W/empty-auth.json"
: >"$W/registries.conf"
export CONTAINERS_REGISTRIES_CONF="$W/registries.conf"
export REGISTRY_AUTH_FILE="$W/empty-auth.json"
export XDG_CONFIG_HOME="$W/xdg" HOME="$W/home"
mkdir -p "$HOME"

lc_image_busybox "$W/bb" v1 >/dev/null
BB_DIGEST="$LC_IMAGE_DIGEST"
lc_registry_start
REG="$LC_REGISTRY"
lc-skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$W/bb:v1" "docker://$REG/lc/busybox:v1" >/dev/null
lc-skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$W/bb:v1" "docker://$REG/lc/debian:v1" >/dev/null

ACCEPT='{"type":"insecureAcceptAnything"}'
REJECT='{"type":"reject"}'
policy() { printf '{"default":[%s],"transports":{%s}}\n' "$1" "${2:-}" >"$W/policy.json"; }

# denied EXIT PATTERN DEST-PATH ARGS... — lc-skopeo ARGS fails with EXIT,
# PATTERN on stderr, and DEST-PATH does not exist.
denied() {
    local pattern="$1" dest="$2" out rc=0
    shift 2
    out="$(lc-skopeo "$@" 2>&1)" || rc=$?
    printf '%s\n' "$out"
    ((rc == 1)) && grep -q -- "$pattern" <<<"$out" || return 1
    [[ ! -e "$dest" ]] || return 1
}

check_reject_default() {
    policy "$REJECT" || return 1
    denied "Source image rejected: Running image oci:$W/bb:v1 is rejected by policy." "$W/out1" \
        --policy "$W/policy.json" copy "oci:$W/bb:v1" "oci:$W/out1:v1" || return 1
    denied "Source image rejected: Running image docker://$REG/lc/busybox:v1 is rejected by policy." "$W/out2" \
        copy --policy "$W/policy.json" --src-tls-verify=false "docker://$REG/lc/busybox:v1" "dir:$W/out2" || return 1
    # nothing pushed either
    denied "rejected by policy" "$W/none" copy --policy "$W/policy.json" --dest-tls-verify=false \
        "oci:$W/bb:v1" "docker://$REG/lc/rejected:v1" || return 1
    ! curl -fsS "http://$REG/v2/lc/rejected/tags/list" >/dev/null 2>&1 || return 1
}
lc_check "reject as the default refuses oci:, docker:// and pushes, leaving nothing" check_reject_default

check_docker_scopes() {
    # repository rejected, the host accepted, a wildcard of the host rejected for others
    policy "$ACCEPT" "\"docker\":{\"$REG/lc/busybox\":[$REJECT],\"$REG\":[$ACCEPT],\"*.0.1\":[$REJECT]}" || return 1
    denied "rejected by policy" "$W/s1" --policy "$W/policy.json" copy --src-tls-verify=false \
        "docker://$REG/lc/busybox:v1" "oci:$W/s1:v1" || return 1
    lc-skopeo --policy "$W/policy.json" copy -q --src-tls-verify=false "docker://$REG/lc/debian:v1" "oci:$W/s2:v1" || return 1
    grep -q "${BB_DIGEST#sha256:}" "$W/s2/index.json" || return 1
    # 127.0.0.1 reached as localhost is another host: only the default applies
    policy "$ACCEPT" "\"docker\":{\"*.0.1\":[$REJECT]}" || return 1
    denied "rejected by policy" "$W/s3" --policy "$W/policy.json" copy --src-tls-verify=false \
        "docker://$REG/lc/debian:v1" "oci:$W/s3:v1" || return 1
    lc-skopeo --policy "$W/policy.json" copy -q --src-tls-verify=false \
        "docker://localhost:${REG#*:}/lc/debian:v1" "oci:$W/s4:v1" || return 1
    # identity with the tag is the most specific scope
    policy "$REJECT" "\"docker\":{\"$REG/lc/debian:v1\":[$ACCEPT]}" || return 1
    lc-skopeo --policy "$W/policy.json" copy -q --src-tls-verify=false "docker://$REG/lc/debian:v1" "oci:$W/s5:v1" || return 1
}
lc_check "docker scopes: repository, host, wildcard, tag identity" check_docker_scopes

check_path_scopes() {
    policy "$ACCEPT" "\"oci\":{\"$(realpath "$W/bb")\":[$REJECT]},\"dir\":{\"$(realpath "$W")/dirs\":[$REJECT]}" || return 1
    denied "rejected by policy" "$W/p1" --policy "$W/policy.json" copy "oci:$W/bb:v1" "oci:$W/p1:v1" || return 1
    # through a symlink: the resolved path counts
    ln -sfn "$W/bb" "$W/bb-link" || return 1
    denied "rejected by policy" "$W/p1" --policy "$W/policy.json" copy "oci:$W/bb-link:v1" "oci:$W/p1:v1" || return 1
    mkdir -p "$W/dirs" || return 1
    lc-skopeo --insecure-policy copy -q "oci:$W/bb:v1" "dir:$W/dirs/one" || return 1
    lc-skopeo --insecure-policy copy -q "oci:$W/bb:v1" "dir:$W/other" || return 1
    denied "rejected by policy" "$W/p2" --policy "$W/policy.json" copy "dir:$W/dirs/one" "oci:$W/p2:v1" || return 1
    lc-skopeo --policy "$W/policy.json" copy -q "dir:$W/other" "oci:$W/p3:v1" || return 1
}
lc_check "oci: and dir: scopes are resolved paths and their parents" check_path_scopes

check_signatures_unsupported() {
    policy '{"type":"signedBy","keyType":"GPGKeys","keyPath":"/nonexistent.gpg"}' || return 1
    denied '"signedBy" (signature verification) is not supported yet' "$W/g1" \
        --policy "$W/policy.json" copy "oci:$W/bb:v1" "oci:$W/g1:v1" || return 1
    policy "$ACCEPT" "\"docker\":{\"$REG/lc\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k.pub\"}]}" || return 1
    denied '"sigstoreSigned" (signature verification) is not supported yet' "$W/g2" \
        --policy "$W/policy.json" copy --src-tls-verify=false "docker://$REG/lc/busybox:v1" "oci:$W/g2:v1" || return 1
}
lc_check "signedBy and sigstoreSigned are refused as not supported yet" check_signatures_unsupported

check_missing_policy() {
    # no --policy: $HOME/.config is not consulted as root, the system file is;
    # an explicit missing file is an error, --insecure-policy needs none
    denied "no policy.json file found" "$W/m1" --policy "$W/nonexistent.json" copy "oci:$W/bb:v1" "oci:$W/m1:v1" || return 1
    printf '{"default":[]}' >"$W/bad.json" || return 1
    denied "must not be empty" "$W/m2" --policy "$W/bad.json" copy "oci:$W/bb:v1" "oci:$W/m2:v1" || return 1
    lc-skopeo --insecure-policy copy -q "oci:$W/bb:v1" "oci:$W/m3:v1" || return 1
    lc-skopeo copy -q --insecure-policy "oci:$W/bb:v1" "oci:$W/m4:v1" || return 1
    local rc=0
    lc-skopeo copy --insecure-policy --policy "$W/policy.json" "oci:$W/bb:v1" "oci:$W/m5:v1" 2>/dev/null || rc=$?
    ((rc == 2)) || return 1
    # inspect takes the options and reads no policy
    lc-skopeo --policy "$W/nonexistent.json" inspect "oci:$W/bb:v1" | grep -q "$BB_DIGEST" || return 1
    # other commands accept the global options
    lc-skopeo --insecure-policy list-tags --tls-verify=false "docker://$REG/lc/busybox" | grep -q v1 || return 1
}
lc_check "missing or bad policy.json is an error; --insecure-policy skips it" check_missing_policy

lc_done
