#!/bin/bash
# Self-test of the shared test infrastructure (tests/lib/*.sh): builds the
# local test images, starts plain / TLS+htpasswd / token registries, pushes
# and inspects with the real skopeo, pulls and runs with the real podman and
# buildah in a temp store.  The Debian image is checked only when
# LC_TEST_DEBIAN=1 or when it is already cached (building it takes ~1 min).
#
# Exit: 0 pass, 77 skip, 1 fail.  Output: TAP.
# Check functions are called through lc_check:
# shellcheck disable=SC2317,SC2016
set -euo pipefail

LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
# shellcheck source=tests/lib/common.sh
. "$LIB/common.sh"
# shellcheck source=tests/lib/registry.sh
. "$LIB/registry.sh"
# shellcheck source=tests/lib/images.sh
. "$LIB/images.sh"
# shellcheck source=tests/lib/podman.sh
. "$LIB/podman.sh"

lc_need_cmd tar gzip openssl curl "$LC_PYTHON"

have() { command -v "$1" >/dev/null 2>&1; }
# skopeo with no system state (blob-info cache, credentials) involved.
sk() { lc_run_hermetic skopeo --insecure-policy "$@"; }
field() { "$LC_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# --- common.sh ----------------------------------------------------------------

t_free_port() {
    local p
    p="$(lc_free_port)"
    [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536))
}
t_tmpdir() {
    local a b
    a="$(lc_tmpdir)"
    lc_tmpdir b
    [[ -d "$a" && -d "$b" && "$a" != "$b" && "$a" == "$LC_TEST_ROOT"/* ]]
}
t_wait_port_timeout() {
    local p
    p="$(lc_free_port)"
    ! lc_wait_port 127.0.0.1 "$p" 1
}
t_mountns() {
    # /var/lib and /run are overlays private to this test.
    awk '$5 == "/var/lib" || $5 == "/run" {print $5}' /proc/self/mountinfo | sort -u |
        tr '\n' ' ' | grep -q '/run /var/lib'
}
lc_check "lc_free_port prints a port" t_free_port
lc_check "lc_tmpdir makes distinct dirs under LC_TEST_ROOT" t_tmpdir
lc_check "lc_wait_port times out on a closed port" t_wait_port_timeout
if [[ "${LC_MOUNTNS:-0}" == 1 ]]; then
    lc_check "private mount namespace covers /var/lib and /run" t_mountns
else
    lc_check_skip "private mount namespace covers /var/lib and /run" "not root or disabled"
fi

# --- images.sh ----------------------------------------------------------------

IMG="$(lc_tmpdir)"
lc_image_busybox "$IMG/a"
BB_DIGEST="$LC_IMAGE_DIGEST"
lc_image_busybox "$IMG/b" other
BB_DIGEST2="$LC_IMAGE_DIGEST"
lc_image_multilayer "$IMG/a" multi
ML_DIGEST="$LC_IMAGE_DIGEST"
lc_image_index "$IMG/a" idx
IX_DIGEST="$LC_IMAGE_DIGEST"

t_deterministic() { [[ "$BB_DIGEST" == "$BB_DIGEST2" && -n "$BB_DIGEST" ]]; }
t_layout_check() { lc_image_check "$IMG/a"; }
t_layer_content() {
    local m layer list
    m="$(sk inspect --raw "oci:$IMG/a:latest")"
    layer="$(field 'd["layers"][0]["digest"].split(":")[1]' <<<"$m")"
    list="$(tar -tzvf "$IMG/a/blobs/sha256/$layer")"
    grep -q ' bin/busybox$' <<<"$list" &&
        grep -q ' bin/sh -> /bin/busybox$' <<<"$list" &&
        grep -q '^drwxrwxrwt 0/0 .* tmp/$' <<<"$list" &&
        grep -q ' etc/passwd$' <<<"$list"
}
t_inspect_busybox() {
    local j
    j="$(sk inspect --config "oci:$IMG/a:latest")"
    [[ "$(field 'd["config"]["Cmd"]' <<<"$j")" == "['sh']" ]] &&
        [[ "$(field 'd["architecture"]' <<<"$j")" == "$(lc_host_arch)" ]] &&
        [[ "$(field 'd["os"]' <<<"$j")" == linux ]]
}
t_inspect_multi() {
    local j
    j="$(sk inspect "oci:$IMG/a:multi")"
    [[ "$(field 'len(d["Layers"])' <<<"$j")" == 4 && "$(field 'd["Digest"]' <<<"$j")" == "$ML_DIGEST" ]]
}
t_multi_whiteouts() {
    local m l3
    m="$(sk inspect --raw "oci:$IMG/a:multi")"
    l3="$(field 'd["layers"][2]["digest"].split(":")[1]' <<<"$m")"
    local list
    list="$(tar -tzvf "$IMG/a/blobs/sha256/$l3")"
    grep -q ' data/.wh.remove-me.txt$' <<<"$list" &&
        grep -q ' data/opq/.wh..wh..opq$' <<<"$list" &&
        grep -Eq '^h.* data/(hardlink|target)\.txt link to data/(target|hardlink)\.txt$' <<<"$list" &&
        grep -q ' data/symlink -> target.txt$' <<<"$list"
}
t_inspect_index() {
    local raw
    raw="$(sk inspect --raw "oci:$IMG/a:idx")"
    [[ "$(field 'd["mediaType"]' <<<"$raw")" == application/vnd.oci.image.index.v1+json ]] &&
        [[ "$(field 'sorted(m["platform"]["architecture"] for m in d["manifests"])' <<<"$raw")" == "['amd64', 'arm64']" ]] &&
        sk inspect "oci:$IMG/a:idx" >/dev/null &&
        sk inspect --override-arch arm64 "oci:$IMG/a:idx" | grep -q '"Architecture": "arm64"'
}
lc_check "busybox image is deterministic ($BB_DIGEST)" t_deterministic
lc_check "oci-layout.py check: digests, sizes, diff_ids" t_layout_check
lc_check "busybox layer has busybox, applet links, /tmp 1777, passwd" t_layer_content
if have skopeo; then
    lc_check "skopeo inspect oci: busybox (Cmd, arch, os)" t_inspect_busybox
    lc_check "skopeo inspect oci: multilayer has 4 layers" t_inspect_multi
    lc_check "skopeo inspect oci: index with amd64+arm64 platforms" t_inspect_index
else
    lc_check_skip "skopeo inspect oci: images" "skopeo not installed"
fi
lc_check "multilayer layer 3 has whiteout, opaque marker, hardlink, symlink" t_multi_whiteouts

# --- registry.sh ----------------------------------------------------------------

if [[ ! -x "$LC_REGISTRY_BIN" ]] || ! have skopeo; then
    lc_check_skip "registries" "docker-registry or skopeo not installed"
    lc_done
fi

lc_registry_start
lc_registry_start --name TLSREG --tls --htpasswd alice:s3cret --htpasswd bob:pw2
lc_registry_start --name TOKREG --token --htpasswd carol:pw3

t_plain_v2() { [[ "$(lc_registry_curl -s -o /dev/null -w '%{http_code}' /v2/)" == 200 ]]; }
t_tls_v2() {
    [[ "$(lc_registry_curl TLSREG -s -o /dev/null -w '%{http_code}' /v2/)" == 200 ]] &&
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLSREG_CA" "https://localhost:$TLSREG_PORT/v2/")" == 401 ]] &&
        [[ -f "$TLSREG_CERTS_D/$TLSREG/ca.crt" ]] &&
        openssl x509 -in "$TLSREG_WORK/server.crt" -noout -text | grep -q 'IP Address:127.0.0.1'
}
t_push_plain() {
    local t
    for t in latest multi idx; do
        lc_image_push "$IMG/a:$t" "docker://$LC_REGISTRY/test/bb:$t" || return 1
    done
    [[ "$(sk inspect --tls-verify=false "docker://$LC_REGISTRY/test/bb:latest" | field 'd["Digest"]')" == "$BB_DIGEST" ]] &&
        [[ "$(sk inspect --tls-verify=false "docker://$LC_REGISTRY/test/bb:multi" | field 'd["Digest"]')" == "$ML_DIGEST" ]] &&
        [[ "$(sk inspect --raw --tls-verify=false "docker://$LC_REGISTRY/test/bb:idx" | sha256sum | cut -d' ' -f1)" == "${IX_DIGEST#sha256:}" ]]
}
t_push_tls() {
    lc_image_push "$IMG/a:multi" "docker://$TLSREG/test/multi:1" &&
        sk inspect --cert-dir "$TLSREG_CERTS_D/$TLSREG" --authfile "$TLSREG_AUTHFILE" \
            "docker://$TLSREG/test/multi:1" >/dev/null &&
        sk inspect --cert-dir "$TLSREG_CERTS_D/$TLSREG" --creds bob:pw2 \
            "docker://$TLSREG/test/multi:1" >/dev/null &&
        ! sk inspect --cert-dir "$TLSREG_CERTS_D/$TLSREG" --creds alice:wrong \
            "docker://$TLSREG/test/multi:1" >/dev/null 2>&1 &&
        ! sk inspect --creds alice:s3cret "docker://$TLSREG/test/multi:1" >/dev/null 2>&1
}
t_blob_path() {
    [[ -f "$(lc_registry_blob_path TLSREG "$(sk inspect --raw --cert-dir "$TLSREG_CERTS_D/$TLSREG" \
        --creds alice:s3cret "docker://$TLSREG/test/multi:1" | field 'd["layers"][0]["digest"]')")" ]]
}
t_token() {
    lc_image_push "$IMG/a:latest" "docker://$TOKREG/test/tok:latest" || return 1
    # anonymous pull works, anonymous push does not
    sk inspect --tls-verify=false "docker://$TOKREG/test/tok:latest" >/dev/null || return 1
    if sk copy --dest-tls-verify=false "oci:$IMG/a:multi" "docker://$TOKREG/test/anon:1" >/dev/null 2>&1; then
        return 1
    fi
    grep -q '"user": "carol".*repository:test/tok:pull,push' "$TOKREG_TOKEN_LOG" &&
        grep -q '"user": null.*"actions": \["pull"\]' "$TOKREG_TOKEN_LOG"
}
t_token_curl() {
    local tok
    tok="$(lc_registry_token TOKREG repository:test/tok:pull)"
    [[ "$(lc_registry_curl TOKREG -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" /v2/test/tok/tags/list)" == 200 ]] &&
        [[ "$(lc_registry_curl TOKREG -s -o /dev/null -w '%{http_code}' /v2/test/tok/tags/list)" == 401 ]]
}
lc_check "plain registry answers /v2/ at $LC_REGISTRY" t_plain_v2
lc_check "TLS registry: CA, IP SAN, certs.d, htpasswd 401" t_tls_v2
lc_check "push busybox/multilayer/index to plain registry, digests kept" t_push_plain
lc_check "push to TLS+htpasswd registry; auth and CA enforced" t_push_tls
lc_check "lc_registry_blob_path finds a stored blob" t_blob_path
lc_check "token registry: authenticated push, anonymous pull only" t_token
lc_check "token registry: bearer token from token-server.py accepted" t_token_curl

# --- podman.sh -----------------------------------------------------------------

if ! have podman || ! have runc; then
    lc_check_skip "podman/buildah" "podman or runc not installed"
    lc_done
fi
lc_need_root
lc_podman_env "$(lc_tmpdir)"

t_podman_pull_run() {
    lc_podman pull -q "$LC_REGISTRY/test/bb:latest" >/dev/null &&
        [[ "$(lc_podman run --rm "$LC_REGISTRY/test/bb:latest" echo hi)" == hi ]]
}
t_podman_ulimits() {
    [[ "$(lc_podman run --rm "$LC_REGISTRY/test/bb:latest" sh -c 'ulimit -Hn; ulimit -Sn; ulimit -u' | tr '\n' ' ')" == "20000 20000 4096 " ]]
}
t_podman_multilayer() {
    local out
    out="$(lc_podman run --rm "$LC_REGISTRY/test/bb:multi" sh -c '
        cd /data && ls -A opq && ls -A | tr "\n" " " && echo && cat keep.txt /etc/motd &&
        hello && [ "$(stat -c %i target.txt)" = "$(stat -c %i hardlink.txt)" ] && echo same-inode &&
        readlink symlink && stat -c %a private && pwd')"
    [[ "$out" == "new
abs-symlink hardlink.txt keep.txt opq private symlink target.txt 
layer 4
layer 3
hello from layer 4
same-inode
target.txt
700
/data" ]] || { printf '%s\n' "$out"; return 1; }
}
t_podman_tls_login() {
    lc_podman login --username alice --password s3cret "$TLSREG" >/dev/null &&
        lc_podman pull -q "$TLSREG/test/multi:1" >/dev/null &&
        lc_podman logout "$TLSREG" >/dev/null
}
t_podman_token() { lc_podman pull -q "$TOKREG/test/tok:latest" >/dev/null; }
t_podman_index() {
    lc_podman pull -q "$LC_REGISTRY/test/bb:idx" >/dev/null &&
        [[ "$(lc_podman image inspect --format '{{.Architecture}}' "$LC_REGISTRY/test/bb:idx")" == "$(lc_host_arch)" ]]
}
t_buildah() {
    local c
    c="$(lc_buildah from -q "$LC_REGISTRY/test/bb:latest")" &&
        lc_buildah run "$c" -- sh -c 'echo built > /built' &&
        lc_buildah commit -q "$c" localhost/selftest:1 >/dev/null &&
        lc_buildah rm "$c" >/dev/null &&
        [[ "$(lc_podman run --rm localhost/selftest:1 cat /built)" == built ]]
}
t_skopeo_real_storage() {
    [[ "$(lc_skopeo_real inspect "containers-storage:$LC_REGISTRY/test/bb:latest" | field 'd["Digest"]')" == "$BB_DIGEST" ]] &&
        lc_skopeo_real copy -q "containers-storage:localhost/selftest:1" "docker://$LC_REGISTRY/test/selftest:1" &&
        lc_skopeo_real inspect "docker://$LC_REGISTRY/test/selftest:1" >/dev/null
}
t_podman_detached() {
    lc_podman run -d --name sleeper "$LC_REGISTRY/test/bb:latest" sleep 300 >/dev/null &&
        [[ "$(lc_podman exec sleeper echo in-exec)" == in-exec ]] &&
        [[ "$(lc_podman ps --format '{{.Names}}')" == sleeper ]]
    # left running on purpose: lc_podman_cleanup must remove it at exit
}
lc_check "lc_podman pull + run echo hi (busybox, runc)" t_podman_pull_run
lc_check "containers.conf default_ulimits nofile=20000 nproc=4096" t_podman_ulimits
lc_check "multilayer image applied correctly by podman (whiteouts, opaque, links)" t_podman_multilayer
lc_check "podman login/pull from TLS+htpasswd registry via HOME certs.d" t_podman_tls_login
lc_check "podman pull from token-auth registry (anonymous)" t_podman_token
lc_check "podman pull of the index picks the host platform" t_podman_index
lc_check "lc_buildah from/run/commit in the same store" t_buildah
lc_check "lc_skopeo_real sees the store and pushes from it" t_skopeo_real_storage
lc_check "detached container + exec (cleaned up at exit)" t_podman_detached

# --- Debian ----------------------------------------------------------------------

if [[ "${LC_TEST_DEBIAN:-0}" == 1 ]] || lc_debian_cached; then
    t0=$SECONDS
    lc_image_debian "$IMG/deb"
    t_debian() {
        sk inspect "oci:$IMG/deb:latest" | grep -q '"Architecture": "'"$(lc_host_arch)"'"' &&
            lc_image_push "$IMG/deb" "docker://$LC_REGISTRY/test/debian:latest" &&
            [[ "$(lc_podman run --rm "$LC_REGISTRY/test/debian:latest" cat /etc/debian_version)" =~ ^[0-9] ]]
    }
    lc_check "Debian $LC_DEBIAN_SUITE minbase image (ready in $((SECONDS - t0))s): inspect, push, run" t_debian
else
    lc_check_skip "Debian minbase image" "set LC_TEST_DEBIAN=1 to build it (1-3 min, cached per machine)"
fi

lc_done
