# shellcheck shell=bash
# tests/lib/common.sh — basic helpers shared by every integration/interop test
# and benchmark.  Source it (directly or through registry.sh, images.sh,
# podman.sh, which source it themselves):
#
#     . "$(dirname "$0")/../lib/common.sh"
#
# Safe under `set -euo pipefail`.  Sourcing twice is harmless.
#
# As root, sourcing it RE-EXECUTES the test script (same PID) inside a private
# mount namespace where /var/lib and /run are throwaway overlays, because the
# real podman/skopeo write /var/lib/containers and /run/containers whatever
# --root says.  So source it first, before anything with side effects.
# LC_NO_MOUNTNS=1 turns this off (then real podman WILL touch those paths).
#
# Exit codes follow meson/automake: 0 pass, 77 skip, anything else fail.
#
# Provided:
#   lc_on_exit CMD        push CMD (a string, eval'ed) on the exit-cleanup stack
#   lc_tmpdir [VAR]       make a temp dir under the per-test root; prints it,
#                         or assigns it to VAR when a name is given
#   lc_free_port          print a free TCP port on 127.0.0.1
#   lc_wait_port H P [T]  wait up to T seconds (default 30) until H:P accepts
#   lc_skip REASON        print "SKIP: REASON" and exit 77
#   lc_need_cmd CMD...    lc_skip unless every CMD is in PATH
#   lc_need_root          lc_skip unless running as uid 0
#   lc_run_hermetic CMD…  run CMD with a private, throwaway view of /var/lib
#   lc_umount_below DIR   lazily unmount everything mounted below DIR
#   lc_log MSG / lc_die MSG
#   lc_check DESC CMD...  TAP-style check: runs CMD, prints "ok N - DESC" or
#                         "not ok N - DESC" (with CMD's output), records failure
#   lc_done               print the TAP plan and exit 0 or 1
#
# Variables:
#   LC_TESTS_LIB    directory holding these helpers
#   LC_SRCDIR       top of the source tree (…/tests/lib/../..)
#   LC_PYTHON       Debian's python3 (/usr/bin/python3); the first python3 on
#                   PATH may be a different build, never use it
#   LC_TEST_ROOT    per-process scratch directory, removed at exit unless
#                   LC_KEEP_TMP=1 (then its path is printed)
#   LC_VERBOSE=1    makes lc_log print
#   LC_MOUNTNS=1    set when running inside the private mount namespace
#
# Long waits: bash runs the INT/TERM trap only when the foreground command
# ends; write `sleep 600 & wait $!` rather than `sleep 600` in tests.

if [[ -n "${LC_COMMON_SH_LOADED:-}" ]]; then
    return 0
fi
LC_COMMON_SH_LOADED=1

LC_TESTS_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LC_SRCDIR="$(cd "$LC_TESTS_LIB/../.." && pwd)"
LC_PYTHON="${LC_PYTHON:-/usr/bin/python3}"
export LC_TESTS_LIB LC_SRCDIR LC_PYTHON

# --- logging -----------------------------------------------------------------

lc_log() {
    if [[ "${LC_VERBOSE:-0}" == 1 ]]; then
        printf '# %s\n' "$*" >&2
    fi
    return 0
}

lc_die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# --- private mount namespace ------------------------------------------------
# The real podman (4.3, Debian) writes /var/lib/containers/cache/
# blob-info-cache-v1.boltdb and /run/containers/networks as root whatever
# --root says, skopeo writes that cache too, and runc keeps state in
# /run/runc.  So, when running as root, the first test script that sources
# this file re-executes itself (same PID) inside a private mount namespace in
# which /var/lib and /run are overlays whose upper layers live in
# $LC_TEST_ROOT/mountns: the tools work normally, mounts made by podman and by
# our tools are seen by everything the test runs, and nothing reaches the
# host's /var/lib or /run.  Source common.sh (or registry.sh, images.sh,
# podman.sh) before doing anything with side effects: the script restarts.
# LC_NO_MOUNTNS=1 disables this.  Set inside: LC_MOUNTNS=1.

_lc_want_mountns() {
    [[ "${LC_MOUNTNS:-0}" != 1 && "${LC_NO_MOUNTNS:-0}" != 1 ]] || return 1
    [[ "$(id -u)" == 0 ]] || return 1
    [[ -f "$0" && "${BASH_SOURCE[${#BASH_SOURCE[@]} - 1]}" == "$0" ]] || return 1
    command -v unshare >/dev/null 2>&1 || return 1
    unshare --mount --propagation private true 2>/dev/null
}

if _lc_want_mountns; then
    LC_TEST_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/lc-test.XXXXXX")"
    mkdir -p "$LC_TEST_ROOT/mountns"
    export LC_TEST_ROOT LC_MOUNTNS=1 LC_MOUNTNS_OWNER=$$
    _lc_bash_flags=()
    [[ $- == *x* ]] && _lc_bash_flags+=(-x)
    # shellcheck disable=SC2016  # expanded by the inner sh
    exec unshare --mount --propagation private -- /bin/sh -c '
        d="$LC_TEST_ROOT/mountns"
        for p in /var/lib /run; do
            n="$d/$(echo "$p" | tr / _)"
            mkdir -p "$n/upper" "$n/work"
            mount -t overlay lc-test-ns \
                -o "lowerdir=$p,upperdir=$n/upper,workdir=$n/work" "$p" ||
                echo "# warning: could not cover $p with an overlay" >&2
        done
        exec "$@"' lc-test-ns "$BASH" "${_lc_bash_flags[@]}" "$0" "$@"
fi

# --- exit-cleanup stack ------------------------------------------------------
# One EXIT trap runs every pushed command, last pushed first.  A failing
# command does not stop the others and does not change the exit status.
# INT/TERM/HUP are turned into a normal exit so that the stack still runs.
# Do not install your own EXIT trap after sourcing this file: use lc_on_exit.
# Note: commands pushed from a subshell ( "$(...)" ) are lost when it ends.

LC_EXIT_STACK=()

lc_on_exit() {
    LC_EXIT_STACK+=("$*")
}

_lc_run_exit_stack() {
    local rc=$? i
    trap - EXIT
    set +e
    for ((i = ${#LC_EXIT_STACK[@]} - 1; i >= 0; i--)); do
        eval "${LC_EXIT_STACK[i]}" >/dev/null 2>&1
    done
    LC_EXIT_STACK=()
    exit "$rc"
}

trap _lc_run_exit_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- temp dirs ---------------------------------------------------------------

# Unmount everything mounted below $1 (deepest first), so that rm -rf never
# walks into a live overlay mount left behind by podman/buildah or by us.
lc_umount_below() {
    local dir="$1" mp
    [[ -d "$dir" ]] || return 0
    dir="$(cd "$dir" && pwd -P)"
    # mountinfo field 5 is the mount point (octal-escaped).
    { awk '{print $5}' /proc/self/mountinfo | grep -F -- "$dir/" || true; } | sort -r |
        while read -r mp; do
            mp="$(printf '%b' "$mp")"
            umount -l -- "$mp" 2>/dev/null || true
        done
    return 0
}

_lc_remove_test_root() {
    [[ -n "${LC_TEST_ROOT:-}" && -d "$LC_TEST_ROOT" ]] || return 0
    if [[ "${LC_KEEP_TMP:-0}" == 1 ]]; then
        printf '# LC_KEEP_TMP=1: kept %s\n' "$LC_TEST_ROOT" >&2
        return 0
    fi
    lc_umount_below "$LC_TEST_ROOT"
    if [[ "${LC_MOUNTNS_OWNER:-}" == "$$" && -d "$LC_TEST_ROOT/mountns" ]]; then
        # Our /var/lib and /run overlays: detach them before removing their
        # upper layers (lazily: conmon may still hold files there).
        umount -l /run 2>/dev/null || true
        umount -l /var/lib 2>/dev/null || true
    fi
    rm -rf -- "$LC_TEST_ROOT" 2>/dev/null ||
        { chmod -R u+rwx -- "$LC_TEST_ROOT" 2>/dev/null; rm -rf -- "$LC_TEST_ROOT"; }
}

# Created at source time, in the sourcing shell, so that lc_tmpdir also works
# inside command substitutions (the removal is registered here, not there).
# After the re-exec above the root already exists (same PID); a nested test
# script gets its own.
if [[ "${LC_MOUNTNS_OWNER:-}" != "$$" || ! -d "${LC_TEST_ROOT:-/nonexistent}" ]]; then
    LC_TEST_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/lc-test.XXXXXX")"
fi
export LC_TEST_ROOT
lc_on_exit _lc_remove_test_root

# lc_tmpdir [VAR] — new empty directory below $LC_TEST_ROOT.
#   d=$(lc_tmpdir)      or      lc_tmpdir d
lc_tmpdir() {
    local d
    d="$(mktemp -d "$LC_TEST_ROOT/tmp.XXXXXX")"
    if [[ $# -ge 1 ]]; then
        printf -v "$1" '%s' "$d"
    else
        printf '%s\n' "$d"
    fi
}

# --- keeping real tools away from /var/lib/containers -------------------------

# lc_run_hermetic CMD [ARGS...] — (a no-op wrapper inside the test's own
# namespace, see above) run a program (not a shell function) in a
# private mount namespace whose /var/lib is an overlay with a throwaway upper
# dir, so nothing it writes under /var/lib reaches the host.  Needed for the
# real skopeo: as root it always opens /var/lib/containers/cache/
# blob-info-cache-v1.boltdb (there is no flag or variable to move it).
# Do not use it for podman/buildah: their mounts must live in the host's
# mount namespace (and with --root they keep that cache in the store).
# Without root or unshare(1) the command simply runs as is.
lc_run_hermetic() {
    if [[ "${LC_MOUNTNS:-0}" == 1 || "$(id -u)" != 0 ]] ||
        ! command -v unshare >/dev/null 2>&1; then
        "$@"
        return
    fi
    local d rc=0
    d="$(mktemp -d "$LC_TEST_ROOT/varlib.XXXXXX")"
    mkdir "$d/upper" "$d/work"
    # shellcheck disable=SC2016  # expanded by the inner sh
    unshare --mount --propagation private -- /bin/sh -c '
        d="$1"; shift
        mount -t overlay lc-varlib \
            -o "lowerdir=/var/lib,upperdir=$d/upper,workdir=$d/work" /var/lib 2>/dev/null ||
            mount -t tmpfs -o mode=0755,size=512m lc-varlib /var/lib || {
                echo "lc_run_hermetic: cannot cover /var/lib" >&2; exit 125; }
        exec "$@"' lc-hermetic "$d" "$@" || rc=$?
    rm -rf "$d"
    return "$rc"
}

# --- ports -------------------------------------------------------------------

# lc_free_port — the kernel picks an unused port on 127.0.0.1; we release it
# and print it.  Another process could grab it before we bind it again, but
# in practice the kernel hands out ports round-robin so this is reliable.
lc_free_port() {
    "$LC_PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# lc_wait_port HOST PORT [TIMEOUT_SECONDS] — returns 0 as soon as a TCP
# connection succeeds, 1 after the timeout.
lc_wait_port() {
    local host="$1" port="$2" timeout="${3:-30}" deadline
    deadline=$((SECONDS + timeout))
    while ((SECONDS <= deadline)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# --- skipping ----------------------------------------------------------------

lc_skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

lc_need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || lc_skip "required command '$c' not found"
    done
}

lc_need_root() {
    [[ "$(id -u)" == 0 ]] || lc_skip "needs root"
}

# --- TAP-ish checks ----------------------------------------------------------

LC_CHECK_N=0
LC_CHECK_FAILED=0

# lc_check DESCRIPTION CMD [ARGS...] — run CMD in a subshell (its output is
# captured and shown, prefixed by '#', only on failure; exit 77, e.g. from
# lc_skip, counts as a TAP skip).  Variables CMD sets do not survive.
lc_check() {
    local desc="$1" out rc=0
    shift
    LC_CHECK_N=$((LC_CHECK_N + 1))
    out="$("$@" 2>&1)" || rc=$?
    if ((rc == 0)); then
        printf 'ok %d - %s\n' "$LC_CHECK_N" "$desc"
    elif ((rc == 77)); then
        printf 'ok %d - %s # SKIP %s\n' "$LC_CHECK_N" "$desc" \
            "$(printf '%s\n' "$out" | sed -n 's/^SKIP: //p' | tail -n1)"
    else
        LC_CHECK_FAILED=$((LC_CHECK_FAILED + 1))
        printf 'not ok %d - %s (exit %d)\n' "$LC_CHECK_N" "$desc" "$rc"
        printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
    fi
    return 0
}

# lc_check_skip DESCRIPTION REASON — a TAP "skip" line.
lc_check_skip() {
    LC_CHECK_N=$((LC_CHECK_N + 1))
    printf 'ok %d - %s # SKIP %s\n' "$LC_CHECK_N" "$1" "$2"
}

lc_done() {
    printf '1..%d\n' "$LC_CHECK_N"
    if ((LC_CHECK_FAILED > 0)); then
        printf '# %d of %d checks failed\n' "$LC_CHECK_FAILED" "$LC_CHECK_N"
        exit 1
    fi
    exit 0
}
