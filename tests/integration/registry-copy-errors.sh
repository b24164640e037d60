#!/bin/bash
# lc-skopeo copy from a misbehaving registry (registry-stub.py, img-*
# repositories) into oci:, dir: and a real docker-registry: a manifest of
# an unknown media type, malformed and oversized manifests, 401/403/404
# for the manifest, 401/403/404/429/500 for a layer, a truncated layer, a
# stalled layer, altered layer bytes. Each is a clear error, and nothing
# is left at any destination: no index.json / ref in the layout, no
# manifest.json or blobs in the dir, no tag and no bad blob in the registry.
#
# Exit: 0 pass, 77 skip, 1 fail.  Output: TAP.
# shellcheck disable=SC2317  # check functions are called through lc_check
set -euo pipefail

LIB="$(cd "$(dirname "$0")/../lib" && pwd)"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/lib/common.sh
. "$LIB/common.sh"
# shellcheck source=tests/lib/registry.sh
. "$LIB/registry.sh"

lc_need_cmd lc-skopeo curl "$LC_PYTHON"

lc_tmpdir W
: >"$W/registries.conf"
printf '{"auths":{}}\n' >"$W/auth.json"
export CONTAINERS_REGISTRIES_CONF="$W/registries.conf" REGISTRY_AUTH_FILE="$W/auth.json"
export XDG_CONFIG_HOME="$W/xdg" HOME="$W/home"
mkdir -p "$HOME"

"$LC_PYTHON" "$HERE/registry-stub.py" "$W/port" </dev/null >"$W/stub.log" 2>&1 &
STUB_PID=$!
lc_on_exit "kill $STUB_PID"
for _ in $(seq 100); do [[ -s "$W/port" ]] && break; sleep 0.1; done
[[ -s "$W/port" ]] || lc_die "the registry stub did not start"
STUB="127.0.0.1:$(cat "$W/port")"

lc_registry_start
REG="$LC_REGISTRY"

# The stub image's layer (what must never be stored from a broken source).
LAYER="$("$LC_PYTHON" -c 'import hashlib; print("sha256:" + hashlib.sha256(bytes(range(256)) * 64).hexdigest())')"

# The stub image copies fine when nothing is broken.
check_good() {
    lc-skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$STUB/img-good:v1" "oci:$W/good:v1" || return 1
    grep -q '"v1"' "$W/good/index.json" || return 1
}
lc_check "the stub's image copies when nothing is broken" check_good

# broken BEHAVIOUR PATTERN [COPY-OPTIONS...] — copying img-BEHAVIOUR to oci:,
# dir: and docker:// fails with PATTERN, leaving nothing at each.
broken() {
    local behaviour="$1" pattern="$2" out rc dest N="$1"
    shift 2
    for dest in "oci:$W/o$N:v1" "dir:$W/d$N" "docker://$REG/lc/bad$N:v1"; do
        rc=0
        out="$(lc-skopeo --insecure-policy copy -q --retry-times 0 --src-tls-verify=false --dest-tls-verify=false "$@" \
            "docker://$STUB/img-$behaviour:v1" "$dest" 2>&1)" || rc=$?
        printf '%s: exit %d: %s\n' "$dest" "$rc" "$out"
        ((rc == 1)) && grep -qi -- "$pattern" <<<"$out" || return 1
    done
    # oci: no index.json (or no such ref), no layer blob
    [[ ! -e "$W/o$N/index.json" ]] || ! grep -q '"v1"' "$W/o$N/index.json" || return 1
    [[ ! -e "$W/o$N/blobs/sha256/${LAYER#sha256:}" ]] || return 1
    # dir: nothing but possibly the empty directory
    [[ -z "$(find "$W/d$N" -type f 2>/dev/null)" ]] || return 1
    # registry: no tag, and not the layer
    ! curl -fsS "http://$REG/v2/lc/bad$N/manifests/v1" -o /dev/null 2>/dev/null || return 1
    ! curl -fsSI "http://$REG/v2/lc/bad$N/blobs/$LAYER" -o /dev/null 2>/dev/null || return 1
}

lc_check "a manifest of an unknown media type" broken unknownmt "unsupported\|unknown\|media type"
lc_check "a malformed manifest" broken malformed "invalid\|malformed\|JSON"
lc_check "an oversized manifest" broken oversized "larger than\|too large\|exceeds"
lc_check "401 for the manifest" broken manifest401 "unauthorized"
lc_check "403 for the manifest" broken manifest403 "denied"
lc_check "404 for the manifest" broken manifest404 "manifest unknown"
lc_check "401 for a layer" broken 401 "unauthorized"
lc_check "403 for a layer" broken 403 "denied"
lc_check "404 for a layer" broken 404 "blob unknown"
lc_check "429 for a layer (retries exhausted)" broken 429 "too many requests\|toomanyrequests\|slow down\|429"
lc_check "500 for a layer" broken 500 "internal failure\|500"
lc_check "a truncated layer" broken truncated "partial\|transferred\|closed\|truncated\|short\|end of"
lc_check "altered layer bytes" broken corrupt "digest did not match\|digest mismatch"

check_stall() {
    local start=$SECONDS
    broken stall "timeout\|timed out\|too slow" --stall-timeout 2 || return 1
    echo "took $((SECONDS - start)) s"
    ((SECONDS - start < 40)) || return 1
}
lc_check "a stalled layer times out (--stall-timeout 2)" check_stall

lc_done
