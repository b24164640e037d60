#!/bin/bash
# How lc-skopeo (and the registry client under it) answers a misbehaving
# registry: 401/403/404 with the registry's error JSON, 429 with
# Retry-After and 503 retried, 500 retried then reported, connection
# resets, truncated and stalled answers, non-JSON and oversized bodies,
# invalid tags, tag lists split over pages with Link headers, Bearer
# insufficient_scope, and blob redirects (credentials only to the same
# host).  The
# registry is a small Python stub on 127.0.0.1 (registry-stub.py).
#
# Exit: 0 pass, 77 skip, 1 fail.  Output: TAP.
# shellcheck disable=SC2317  # check functions are called through lc_check
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/lib/common.sh
. "$HERE/../lib/common.sh"

lc_need_cmd lc-skopeo "$LC_PYTHON"

lc_tmpdir W
: >"$W/registries.conf"
printf '{"auths":{}}\n' >"$W/auth.json"
export REGISTRY_AUTH_FILE="$W/auth.json"

"$LC_PYTHON" "$HERE/registry-stub.py" "$W/port" </dev/null >"$W/stub.log" 2>&1 &
STUB_PID=$!
lc_on_exit "kill $STUB_PID"
for _ in $(seq 100); do [[ -s "$W/port" ]] && break; sleep 0.1; done
[[ -s "$W/port" ]] || lc_die "the registry stub did not start"
REG="127.0.0.1:$(cat "$W/port")"

# A second stub that wants Bearer tokens (see registry-stub.py --bearer).
# Started here, not inside a check: lc_check runs checks in a subshell,
# where lc_on_exit would be lost.
"$LC_PYTHON" "$HERE/registry-stub.py" "$W/port2" --bearer </dev/null >"$W/stub2.log" 2>&1 &
STUB2_PID=$!
lc_on_exit "kill $STUB2_PID"
for _ in $(seq 100); do [[ -s "$W/port2" ]] && break; sleep 0.1; done
[[ -s "$W/port2" ]] || lc_die "the second registry stub did not start"
REG2="127.0.0.1:$(cat "$W/port2")"

tags() { lc-skopeo --registries-conf "$W/registries.conf" list-tags --tls-verify=false "$@"; }
hits() { curl -fsS "http://$REG/counts" | "$LC_PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"; }

# expect_fail PATTERN ARGS... — the command fails with exit 1 and PATTERN in stderr
expect_fail() {
    local pattern="$1" out rc=0
    shift
    out="$(tags "$@" 2>&1)" || rc=$?
    printf '%s\n' "$out" || return 1
    ((rc == 1)) && grep -qi -- "$pattern" <<<"$out" || return 1
}

lc_check "401 is unauthorized, with the registry's message" \
    expect_fail "unauthorized: authentication required" "docker://$REG/unauth"
lc_check "403 is reported as denied" \
    expect_fail "denied: requested access to the resource is denied" "docker://$REG/denied"
lc_check "404 carries the registry's error message" \
    expect_fail "name unknown: repository name not known to registry" "docker://$REG/missing"

check_429() {
    local start=$SECONDS
    tags "docker://$REG/busy" | grep -q '"after-429"' || return 1
    [[ "$(hits busy)" == 3 ]] && ((SECONDS - start >= 2)) || return 1
}
lc_check "429 is retried after Retry-After" check_429

check_503() {
    tags "docker://$REG/flaky" | grep -q '"after-503"' || return 1
    [[ "$(hits flaky)" == 2 ]] || return 1
}
lc_check "503 is retried with backoff" check_503

check_500() {
    expect_fail "internal failure, not JSON" --retry-times 2 "docker://$REG/broken" &&
        [[ "$(hits broken)" == 3 ]] || return 1
}
lc_check "500 is retried --retry-times times, then reported with the body" check_500

check_500_no_retry() {
    local before
    before="$(hits broken)" || return 1
    expect_fail "HTTP 500" --retry-times 0 "docker://$REG/broken" &&
        [[ "$(hits broken)" == $((before + 1)) ]] || return 1
}
lc_check "--retry-times 0 makes one attempt" check_500_no_retry

check_reset() {
    expect_fail "empty reply\|reset\|recv\|network" --retry-times 1 "docker://$REG/reset" &&
        (( $(hits reset) >= 2 )) || return 1
}
lc_check "a connection closed without an answer is retried, then reported" check_reset

lc_check "a truncated answer is an error" \
    expect_fail "partial\|transferred\|closed\|truncated" --retry-times 0 "docker://$REG/truncated"

check_stall() {
    local start=$SECONDS
    expect_fail "timeout\|timed out\|too slow" --retry-times 0 --stall-timeout 2 "docker://$REG/stall" &&
        ((SECONDS - start < 20)) || return 1
}
lc_check "a stalled answer times out" check_stall

lc_check "a non-JSON answer is invalid data" expect_fail "not a JSON object" "docker://$REG/garbage"
lc_check "an oversized answer is refused" expect_fail "larger than" "docker://$REG/huge"
lc_check "an invalid tag is refused" expect_fail 'invalid tag "bad tag!"' "docker://$REG/badtag"

check_paged() {
    local out
    out="$(tags "docker://$REG/paged")" || return 1
    [[ "$(printf '%s' "$out" | "$LC_PYTHON" -c 'import json,sys; print(",".join(json.load(sys.stdin)["Tags"]))')" == "a,b,c,d" ]] || return 1
    [[ "$(hits paged)" == 3 ]] || return 1
}
lc_check "tag lists follow Link pages on the same registry, skipping empty and digest tags" check_paged

check_refused() {
    local port out rc=0
    port="$(lc_free_port)" || return 1
    out="$(tags "docker://127.0.0.1:$port/x" 2>&1)" || rc=$?
    ((rc == 1)) && grep -qi "couldn't connect\|connection refused\|failed to connect" <<<"$out" || return 1
}
lc_check "nothing listening is a connection error" check_refused

check_insufficient_scope() {
    tags "docker://$REG2/scoped" | grep -q '"wider"' || return 1
    curl -fsS "http://$REG2/counts" | grep -q '"token": 2' || return 1
}
lc_check "a 401 asking for a wider scope gets a new token once (access_token, no expires_in)" check_insufficient_scope

check_blob_redirects() {
    local rc=0
    lc-skopeo copy --help >/dev/null 2>&1 || rc=$?
    ((rc == 0)) || lc_skip "lc-skopeo copy is not available" || return 1
    local counts
    lc-skopeo --registries-conf "$W/registries.conf" copy -q --src-tls-verify=false \
        "docker://$REG2/redir:v1" "oci:$W/redir:v1" || return 1
    counts="$(curl -fsS "http://$REG2/counts")" || return 1
    printf '%s\n' "$counts"
    # same host and port: the token went along; another host: it did not
    "$LC_PYTHON" -c 'import json,sys; c=json.loads(sys.argv[1]); sys.exit(not (c.get("internal_auth",0)>=1 and c.get("external",0)>=1 and c.get("external_auth",0)==0))' "$counts" || return 1
}
lc_check "blob redirects are followed; credentials go only to the same host" check_blob_redirects

lc_done
