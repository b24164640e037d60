#!/bin/bash
# lc-skopeo list-tags, delete, login and logout against Debian's real
# docker-registry on 127.0.0.1: plain HTTP, TLS with a throwaway CA in a
# certs.d directory, htpasswd Basic auth, Bearer tokens from the test token
# server; and registries.conf (insecure, blocked) as the library reads it.
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
EMPTY_AUTH="$W/empty-auth.json"
printf '{"auths":{}}\n' >"$EMPTY_AUTH"
# Never the machine's configuration: an empty registries.conf and auth file.
CONF="$W/registries.conf"
: >"$CONF"
mkdir -p "$W/registries.conf.d"
export CONTAINERS_REGISTRIES_CONF="$CONF"
export REGISTRY_AUTH_FILE="$EMPTY_AUTH"
export XDG_CONFIG_HOME="$W/xdg" HOME="$W/home" DOCKER_CONFIG="$W/docker"
mkdir -p "$HOME"

sk() { lc-skopeo --registries-conf "$CONF" "$@"; }
json() { "$LC_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

lc_image_busybox "$W/oci" v1 >/dev/null

# --- plain HTTP ------------------------------------------------------------------
lc_registry_start --name PLAIN
lc_image_push "$W/oci:v1" "docker://$PLAIN/lib/busybox:v1" >/dev/null
lc_image_push "$W/oci:v1" "docker://$PLAIN/lib/busybox:v2" >/dev/null
lc_image_push "$W/oci:v1" "docker://$PLAIN/lib/busybox:v3" >/dev/null

check_list_tags_plain() {
    local out
    out="$(sk list-tags --tls-verify=false "docker://$PLAIN/lib/busybox")" || return 1
    [[ "$(json 'd["Repository"]' <<<"$out")" == "$PLAIN/lib/busybox" ]] || return 1
    [[ "$(json '",".join(sorted(d["Tags"]))' <<<"$out")" == "v1,v2,v3" ]] || return 1
    # the exact shape skopeo prints
    grep -q '^    "Tags": \[$' <<<"$out" || return 1
    grep -q '^        "v1",$' <<<"$out" || return 1
}
lc_check "list-tags over plain HTTP with --tls-verify=false" check_list_tags_plain

check_https_required_by_default() {
    local out rc=0
    out="$(sk list-tags "docker://$PLAIN/lib/busybox" 2>&1)" || rc=$?
    ((rc == 1)) && grep -q "pinging container registry $PLAIN" <<<"$out" || return 1
}
lc_check "without --tls-verify=false a plain HTTP registry is refused" check_https_required_by_default

check_registries_conf_insecure() {
    local conf="$W/insecure.conf"
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$PLAIN" >"$conf" || return 1
    lc-skopeo --registries-conf "$conf" list-tags "docker://$PLAIN/lib/busybox" | grep -q '"v2"' || return 1
}
lc_check "registries.conf insecure = true allows plain HTTP" check_registries_conf_insecure

check_registries_conf_blocked() {
    local conf="$W/blocked.conf" out rc=0
    printf '[[registry]]\nlocation = "%s"\nblocked = true\n' "$PLAIN" >"$conf" || return 1
    out="$(lc-skopeo --registries-conf "$conf" list-tags --tls-verify=false "docker://$PLAIN/lib/busybox" 2>&1)" || rc=$?
    ((rc != 0)) && grep -q "is blocked in" <<<"$out" || return 1
}
lc_check "registries.conf blocked = true refuses the registry" check_registries_conf_blocked

check_bad_registries_conf() {
    local conf="$W/bad.conf" out rc=0
    printf 'unqualified-search-registries = "docker.io"\n' >"$conf" || return 1
    out="$(lc-skopeo --registries-conf "$conf" list-tags --tls-verify=false "docker://$PLAIN/lib/busybox" 2>&1)" || rc=$?
    ((rc != 0)) && grep -q "bad.conf" <<<"$out" || return 1
}
lc_check "a malformed registries.conf is an error naming the file" check_bad_registries_conf

check_list_tags_rejects_tag() {
    local out rc=0
    out="$(sk list-tags --tls-verify=false "docker://$PLAIN/lib/busybox:v1" 2>&1)" || rc=$?
    ((rc != 0)) && grep -q "No tag or digest allowed" <<<"$out" || return 1
}
lc_check "list-tags refuses a reference with a tag" check_list_tags_rejects_tag

check_list_tags_unknown_repo() {
    local out rc=0
    out="$(sk list-tags --tls-verify=false "docker://$PLAIN/nothing/here" 2>&1)" || rc=$?
    ((rc == 1)) && grep -q "repository name not known to registry" <<<"$out" || return 1
}
lc_check "list-tags of an unknown repository reports the registry's message" check_list_tags_unknown_repo

check_delete() {
    local digest out
    digest="$(skopeo inspect --tls-verify=false "docker://$PLAIN/lib/busybox:v3" | json 'd["Digest"]')" || return 1
    sk delete --tls-verify=false "docker://$PLAIN/lib/busybox:v3" || return 1
    out="$(sk list-tags --tls-verify=false "docker://$PLAIN/lib/busybox")" || return 1
    # same manifest behind every tag: all gone, as with skopeo
    [[ "$(json 'len(d["Tags"])' <<<"$out")" == 0 ]] || return 1
    ! lc_registry_curl PLAIN -fsS -o /dev/null "/v2/lib/busybox/manifests/$digest" || return 1
}
lc_check "delete removes the manifest and with it every tag" check_delete

check_delete_missing() {
    local out rc=0
    out="$(sk delete --tls-verify=false "docker://$PLAIN/lib/busybox:v1" 2>&1)" || rc=$?
    ((rc == 1)) && grep -q "manifest unknown" <<<"$out" || return 1
}
lc_check "delete of a missing image fails with manifest unknown" check_delete_missing

check_delete_by_digest() {
    local digest
    lc_image_push "$W/oci:v1" "docker://$PLAIN/lib/other:d" >/dev/null || return 1
    digest="$(skopeo inspect --tls-verify=false "docker://$PLAIN/lib/other:d" | json 'd["Digest"]')" || return 1
    sk delete --tls-verify=false "docker://$PLAIN/lib/other@$digest" || return 1
    ! skopeo inspect --tls-verify=false "docker://$PLAIN/lib/other:d" >/dev/null 2>&1 || return 1
}
lc_check "delete by digest" check_delete_by_digest

# --- TLS + htpasswd --------------------------------------------------------------
lc_registry_start --name SEC --tls --htpasswd alice:wonderland
lc_image_push "$W/oci:v1" "docker://$SEC/lib/busybox:v1" >/dev/null

check_tls_with_cert_dir() {
    sk list-tags --cert-dir "$SEC_CERTS_D/$SEC" --creds alice:wonderland "docker://$SEC/lib/busybox" | grep -q '"v1"' || return 1
}
lc_check "TLS verified with a CA from --cert-dir, Basic credentials from --creds" check_tls_with_cert_dir

check_tls_unknown_ca() {
    local out rc=0
    out="$(sk list-tags --creds alice:wonderland "docker://$SEC/lib/busybox" 2>&1)" || rc=$?
    ((rc == 1)) && grep -qi "certificate\|TLS\|handshake\|issuer" <<<"$out" || return 1
}
lc_check "TLS with an unknown CA fails" check_tls_unknown_ca

check_tls_verify_false() {
    sk list-tags --tls-verify=false --creds alice:wonderland "docker://$SEC/lib/busybox" | grep -q '"v1"' || return 1
}
lc_check "--tls-verify=false accepts the unknown CA" check_tls_verify_false

check_wrong_password() {
    local out rc=0
    out="$(sk list-tags --cert-dir "$SEC_CERTS_D/$SEC" --creds alice:wrong "docker://$SEC/lib/busybox" 2>&1)" || rc=$?
    ((rc == 1)) && grep -qi "unauthorized" <<<"$out" || return 1
}
lc_check "wrong Basic credentials give unauthorized" check_wrong_password

check_login_logout() {
    local auth="$W/login-auth.json" out mode
    out="$(sk login --authfile "$auth" --cert-dir "$SEC_CERTS_D/$SEC" -u alice -p wonderland "$SEC")" || return 1
    [[ "$out" == "Login Succeeded!" ]] || return 1
    mode="$(stat -c %a "$auth")" || return 1
    [[ "$mode" == 600 ]] || return 1
    [[ "$(json 'd["auths"]["'"$SEC"'"]["auth"]' <"$auth")" == "$(printf alice:wonderland | base64 -w0)" ]] || return 1
    [[ "$(sk login --authfile "$auth" --get-login "$SEC")" == alice ]] || return 1
    # the stored credentials are used
    sk list-tags --authfile "$auth" --cert-dir "$SEC_CERTS_D/$SEC" "docker://$SEC/lib/busybox" | grep -q '"v1"' || return 1
    [[ "$(sk logout --authfile "$auth" "$SEC")" == "Removed login credentials for $SEC" ]] || return 1
    ! sk login --authfile "$auth" --get-login "$SEC" 2>/dev/null || return 1
    ! sk logout --authfile "$auth" "$SEC" 2>/dev/null || return 1
}
lc_check "login verifies and stores credentials (0600), get-login, logout removes them" check_login_logout

check_login_password_stdin() {
    local auth="$W/stdin-auth.json"
    printf 'wonderland\n' | sk login --authfile "$auth" --cert-dir "$SEC_CERTS_D/$SEC" -u alice --password-stdin "$SEC" |
        grep -q "Login Succeeded" || return 1
    [[ "$(sk login --authfile "$auth" --get-login "$SEC")" == alice ]] || return 1
}
lc_check "login --password-stdin" check_login_password_stdin

check_login_wrong_password() {
    local auth="$W/bad-auth.json" out rc=0
    out="$(sk login --authfile "$auth" --cert-dir "$SEC_CERTS_D/$SEC" -u alice -p nope "$SEC" 2>&1)" || rc=$?
    ((rc == 1)) && grep -qi "invalid username/password\|unauthorized" <<<"$out" && [[ ! -e "$auth" ]] || return 1
}
lc_check "login with a wrong password fails and writes nothing" check_login_wrong_password

check_certs_d_from_context() {
    # the default certs.d search: $XDG_CONFIG_HOME/containers/certs.d for rootless,
    # otherwise /etc; here we use the registry's own certs.d via the CA trust
    # only when --cert-dir names it, so check the auth.json search order
    # instead: XDG_CONFIG_HOME/containers/auth.json is read after the primary.
    mkdir -p "$XDG_CONFIG_HOME/containers" || return 1
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$SEC" "$(printf alice:wonderland | base64 -w0)" \
        >"$XDG_CONFIG_HOME/containers/auth.json" || return 1
    REGISTRY_AUTH_FILE="" lc-skopeo --registries-conf "$CONF" list-tags --cert-dir "$SEC_CERTS_D/$SEC" \
        "docker://$SEC/lib/busybox" | grep -q '"v1"' || return 1
    rm -f "$XDG_CONFIG_HOME/containers/auth.json" || return 1
}
lc_check "credentials found in \$XDG_CONFIG_HOME/containers/auth.json" check_certs_d_from_context

check_docker_config_fallback() {
    mkdir -p "$DOCKER_CONFIG" || return 1
    printf '{"auths":{"https://%s/v1/":{"auth":"%s"}}}\n' "$SEC" "$(printf alice:wonderland | base64 -w0)" \
        >"$DOCKER_CONFIG/config.json" || return 1
    REGISTRY_AUTH_FILE="" lc-skopeo --registries-conf "$CONF" list-tags --cert-dir "$SEC_CERTS_D/$SEC" \
        "docker://$SEC/lib/busybox" | grep -q '"v1"' || return 1
    rm -f "$DOCKER_CONFIG/config.json" || return 1
}
lc_check "credentials found in Docker's config.json (URL key)" check_docker_config_fallback

# --- Bearer tokens -----------------------------------------------------------------
lc_registry_start --name TOK --token --htpasswd bob:builder
lc_image_push --creds bob:builder "$W/oci:v1" "docker://$TOK/lib/busybox:t1" >/dev/null

check_bearer_anonymous() {
    local before after
    before="$(wc -l <"$TOK_TOKEN_LOG")" || return 1
    sk list-tags --tls-verify=false "docker://$TOK/lib/busybox" | grep -q '"t1"' || return 1
    after="$(wc -l <"$TOK_TOKEN_LOG")" || return 1
    ((after == before + 1)) || return 1
    tail -n1 "$TOK_TOKEN_LOG" | grep -q 'repository:lib/busybox:pull' || return 1
}
lc_check "anonymous Bearer token for pull, one token request per client" check_bearer_anonymous

check_bearer_login_and_delete() {
    local auth="$W/tok-auth.json"
    sk login --authfile "$auth" --tls-verify=false -u bob -p builder "$TOK" | grep -q "Login Succeeded" || return 1
    sk delete --authfile "$auth" --tls-verify=false "docker://$TOK/lib/busybox:t1" || return 1
    tail -n3 "$TOK_TOKEN_LOG" | grep -q 'repository:lib/busybox:\*' || return 1
    [[ "$(sk list-tags --tls-verify=false "docker://$TOK/lib/busybox" | json 'len(d["Tags"])')" == 0 ]] || return 1
}
lc_check "login through the token server, delete with a '*' scope token" check_bearer_login_and_delete

check_bearer_bad_login() {
    local out rc=0
    out="$(sk login --authfile "$W/tok-bad.json" --tls-verify=false -u bob -p wrong "$TOK" 2>&1)" || rc=$?
    ((rc == 1)) && grep -qi "invalid username/password\|unauthorized" <<<"$out" || return 1
}
lc_check "login with wrong credentials is refused by the token server" check_bearer_bad_login

lc_done
