# shellcheck shell=bash
# LC_IMAGE_* are set for the caller; lc_tmpdir takes an optional argument:
# shellcheck disable=SC2034,SC2119
# tests/lib/images.sh — test images built locally as OCI image layouts
# (oci-layout, index.json, blobs/sha256/…), never pulled from anywhere.
#
# Layers are made with GNU tar (--sort=name, fixed mtime, uid/gid 0,
# --numeric-owner, no atime/ctime) and `gzip -n`; the JSON documents are
# written by tests/lib/oci-layout.py.  Building the same image twice gives
# the same digests.  All functions add to DIR (created if needed), so one
# layout can hold several tags.
#
#   lc_image_busybox DIR [TAG]      one layer: busybox-static + applet links,
#                                   /etc/passwd, /etc/group, /tmp…; Cmd ["sh"]
#   lc_image_multilayer DIR [TAG]   4 layers (busybox + 3) with whiteouts, an
#                                   opaque dir, a hard link and symlinks; see
#                                   the function for the expected final tree
#   lc_image_index DIR [TAG]        image index: host arch (the busybox image)
#                                   + a fake second arch (arm64 on amd64 hosts)
#                                   whose config points at the same layer
#   lc_image_debian DIR [TAG]       debootstrap --variant=minbase of this
#                                   machine's apt suite/mirror, one layer,
#                                   cached per machine (see below)
#   lc_image_push [OPTS] LAYOUT[:TAG] docker://HOST:PORT/REPO:TAG
#                                   push with the real skopeo (--all)
#   lc_image_check DIR              verify digests/sizes/diff_ids of a layout
#   lc_host_arch                    print the OCI architecture of this host
#   lc_debian_cached                true if the Debian image is already cached
#
# Every lc_image_* builder sets, in the caller's shell:
#   LC_IMAGE_DIGEST   digest of the manifest (or index) just tagged
#   LC_IMAGE_REF      oci:DIR:TAG
#
# Tags default to "latest".  Environment:
#   LC_TEST_CACHE     cache root (default /var/tmp/libcontainers-test-cache)
#   LC_DEBIAN_SUITE, LC_DEBIAN_MIRROR   override what apt sources say
#   LC_DEBIAN_LAYOUT  (set by lc_image_debian) the cached layout itself;
#                     read-only for tests, tag = the suite name

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LC_IMAGE_CREATED="${LC_IMAGE_CREATED:-2024-01-01T00:00:00Z}"
LC_IMAGE_EPOCH="${LC_IMAGE_EPOCH:-1704067200}" # = LC_IMAGE_CREATED
LC_TEST_CACHE="${LC_TEST_CACHE:-/var/tmp/libcontainers-test-cache}"
LC_IMAGE_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LC_BUSYBOX_BIN="${LC_BUSYBOX_BIN:-/bin/busybox}"
LC_LAYER_GZIP="application/vnd.oci.image.layer.v1.tar+gzip"

lc_host_arch() {
    local a
    if a="$(dpkg --print-architecture 2>/dev/null)" && [[ -n "$a" ]]; then
        case "$a" in
        armhf | armel) echo arm ;;
        i386) echo 386 ;;
        ppc64el) echo ppc64le ;;
        *) echo "$a" ;;
        esac
        return 0
    fi
    case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    armv7l | armv6l) echo arm ;;
    i?86) echo 386 ;;
    *) uname -m ;;
    esac
}

# _lc_layer SRC OUT [--keep-owners] — OUT.tar (uncompressed) and OUT.tar.gz
# from the contents of SRC (entries are "bin/…", no "./" prefix).
_lc_layer() {
    local src="$1" out="$2" keep_owners="${3:-}"
    local -a own=(--owner=0 --group=0 --numeric-owner)
    [[ "$keep_owners" == --keep-owners ]] && own=(--numeric-owner)
    (cd "$src" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z) |
        tar --create --file="$out.tar" --directory="$src" --null --files-from=- \
            --sort=name --format=posix \
            --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
            --mtime="@$LC_IMAGE_EPOCH" --clamp-mtime "${own[@]}" \
            --no-acls --no-selinux --no-xattrs --one-file-system
    gzip -n -c "$out.tar" >"$out.tar.gz"
}

# _lc_layer_spec OUT CREATED_BY — JSON for one entry of a spec's "layers".
_lc_layer_spec() {
    printf '{"tar":"%s.tar","blob":"%s.tar.gz","media_type":"%s","created_by":"%s"}' \
        "$1" "$1" "$LC_LAYER_GZIP" "$2"
}

# _lc_add_image DIR SPECFILE — runs oci-layout.py, sets LC_IMAGE_DIGEST from
# the descriptor it prints; the descriptor is also left in SPECFILE.desc.
_lc_add_image() {
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" add-image "$1" "$2" >"$2.desc"
    LC_IMAGE_DIGEST="$(grep -o 'sha256:[0-9a-f]\{64\}' "$2.desc" | head -n1)"
}

# _lc_busybox_rootfs DIR — a minimal busybox root file system.
_lc_busybox_rootfs() {
    local r="$1"
    (
        umask 022
        mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,root,home,var/tmp,tmp}
        chmod 1777 "$r/tmp" "$r/var/tmp"
        chmod 0700 "$r/root"
        install -m 0755 "$LC_BUSYBOX_BIN" "$r/bin/busybox"
        # `busybox --list-full` prints e.g. "bin/sh", "usr/bin/env"; one
        # symlink to /bin/busybox per applet (python: 300 links, one process).
        "$LC_BUSYBOX_BIN" --list-full | "$LC_PYTHON" -c '
import os, sys
root = sys.argv[1]
for p in sys.stdin.read().split():
    if p in ("bin/busybox", "linuxrc"):
        continue
    os.makedirs(os.path.join(root, os.path.dirname(p)), exist_ok=True)
    link = os.path.join(root, p)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink("/bin/busybox", link)
' "$r"
        printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
            'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
        printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$r/etc/group"
        printf '%s\n' 'root:*:19000:0:99999:7:::' 'nobody:*:19000:0:99999:7:::' >"$r/etc/shadow"
        chmod 0640 "$r/etc/shadow"
        printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
    )
}

# _lc_busybox_spec WORK [TAG] [ARCH] [VARIANT] — builds the busybox layer in
# WORK (once) and writes WORK/spec-ARCH.json.
_lc_busybox_spec() {
    local work="$1" tag="${2:-}" arch="${3:-$(lc_host_arch)}" variant="${4:-}"
    lc_need_cmd tar gzip
    [[ -x "$LC_BUSYBOX_BIN" ]] || lc_skip "busybox-static not installed ($LC_BUSYBOX_BIN)"
    if [[ ! -f "$work/busybox.tar.gz" ]]; then
        _lc_busybox_rootfs "$work/rootfs"
        _lc_layer "$work/rootfs" "$work/busybox"
    fi
    {
        printf '{'
        [[ -n "$tag" ]] && printf '"tag":"%s",' "$tag"
        printf '"architecture":"%s","os":"linux",' "$arch"
        [[ -n "$variant" ]] && printf '"variant":"%s",' "$variant"
        printf '"created":"%s",' "$LC_IMAGE_CREATED"
        printf '"config":{"Env":["%s"],"Cmd":["sh"]},' "$LC_IMAGE_PATH_ENV"
        printf '"layers":[%s]}\n' "$(_lc_layer_spec "$work/busybox" "busybox-static rootfs")"
    } >"$work/spec-$arch.json"
}

lc_image_busybox() {
    local dir="$1" tag="${2:-latest}" work
    work="$(lc_tmpdir)"
    _lc_busybox_spec "$work" "$tag"
    _lc_add_image "$dir" "$work/spec-$(lc_host_arch).json"
    LC_IMAGE_REF="oci:$dir:$tag"
    rm -rf "$work"
}

# lc_image_multilayer DIR [TAG] — four layers:
#   1 busybox base (identical blob to lc_image_busybox's layer)
#   2 /data/keep.txt, /data/remove-me.txt, /data/removedir/file,
#     /data/opq/old1, /data/opq/sub/old2, /etc/motd ("layer 2")
#   3 whiteouts /data/.wh.remove-me.txt and /data/.wh.removedir,
#     opaque /data/opq/.wh..wh..opq plus /data/opq/new,
#     /data/target.txt + hard link /data/hardlink.txt,
#     symlinks /data/symlink -> target.txt and /data/abs-symlink -> /etc/motd,
#     /etc/motd rewritten ("layer 3")
#   4 /usr/local/bin/hello (prints "hello from layer 4"), /data/private (0700),
#     /data/keep.txt rewritten ("layer 4")
# Expected tree after applying all four, under /data:
#   abs-symlink -> /etc/motd, hardlink.txt (same inode as target.txt),
#   keep.txt ("layer 4"), opq/new (only), private/, symlink -> target.txt,
#   target.txt ("hard linked")
# and no remove-me.txt, removedir, opq/old1, opq/sub.
# Config: Cmd ["sh"], WorkingDir /data, Labels {"org.libcontainers.test":"multilayer"}.
lc_image_multilayer() {
    local dir="$1" tag="${2:-latest}" work
    work="$(lc_tmpdir)"
    _lc_busybox_spec "$work" # builds $work/busybox.tar{,.gz}
    (
        umask 022
        local l="$work/l2"
        mkdir -p "$l/data/removedir" "$l/data/opq/sub" "$l/etc"
        echo "layer 2" >"$l/data/keep.txt"
        echo "layer 2" >"$l/data/remove-me.txt"
        echo "layer 2" >"$l/data/removedir/file"
        echo "layer 2" >"$l/data/opq/old1"
        echo "layer 2" >"$l/data/opq/sub/old2"
        echo "layer 2" >"$l/etc/motd"

        l="$work/l3"
        mkdir -p "$l/data/opq" "$l/etc"
        : >"$l/data/.wh.remove-me.txt"
        : >"$l/data/.wh.removedir"
        : >"$l/data/opq/.wh..wh..opq"
        echo "layer 3" >"$l/data/opq/new"
        echo "hard linked" >"$l/data/target.txt"
        ln "$l/data/target.txt" "$l/data/hardlink.txt"
        ln -s target.txt "$l/data/symlink"
        ln -s /etc/motd "$l/data/abs-symlink"
        echo "layer 3" >"$l/etc/motd"

        l="$work/l4"
        mkdir -p "$l/usr/local/bin" "$l/data/private"
        chmod 0700 "$l/data/private"
        printf '#!/bin/sh\necho hello from layer 4\n' >"$l/usr/local/bin/hello"
        chmod 0755 "$l/usr/local/bin/hello"
        echo "layer 4" >"$l/data/keep.txt"
    )
    _lc_layer "$work/l2" "$work/l2"
    _lc_layer "$work/l3" "$work/l3"
    _lc_layer "$work/l4" "$work/l4"
    {
        printf '{"tag":"%s","architecture":"%s","os":"linux","created":"%s",' \
            "$tag" "$(lc_host_arch)" "$LC_IMAGE_CREATED"
        printf '"config":{"Env":["%s"],"Cmd":["sh"],"WorkingDir":"/data",' "$LC_IMAGE_PATH_ENV"
        printf '"Labels":{"org.libcontainers.test":"multilayer"}},'
        printf '"layers":[%s,%s,%s,%s]}\n' \
            "$(_lc_layer_spec "$work/busybox" "busybox-static rootfs")" \
            "$(_lc_layer_spec "$work/l2" "layer 2: files")" \
            "$(_lc_layer_spec "$work/l3" "layer 3: whiteouts, opaque dir, links")" \
            "$(_lc_layer_spec "$work/l4" "layer 4: script")"
    } >"$work/spec.json"
    _lc_add_image "$dir" "$work/spec.json"
    LC_IMAGE_REF="oci:$dir:$tag"
    rm -rf "$work"
}

# lc_image_index DIR [TAG] — an OCI image index with two platform entries:
# the host's (the real busybox image) and a fake other one (linux/arm64/v8,
# or linux/amd64 on arm64 hosts) whose config names that architecture but
# points at the same busybox layer.  Entries carry "platform" fields.
lc_image_index() {
    local dir="$1" tag="${2:-latest}" work host other variant=""
    work="$(lc_tmpdir)"
    host="$(lc_host_arch)"
    if [[ "$host" == arm64 ]]; then other=amd64; else other=arm64 variant=v8; fi
    _lc_busybox_spec "$work" "" "$host"
    _lc_add_image "$dir" "$work/spec-$host.json"
    _lc_busybox_spec "$work" "" "$other" "$variant"
    _lc_add_image "$dir" "$work/spec-$other.json"
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" add-index "$dir" "$tag" \
        "$work/spec-$host.json.desc" "$work/spec-$other.json.desc" >"$work/index.desc"
    LC_IMAGE_DIGEST="$(grep -o 'sha256:[0-9a-f]\{64\}' "$work/index.desc" | head -n1)"
    LC_IMAGE_REF="oci:$dir:$tag"
    rm -rf "$work"
}

lc_image_check() {
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" check "$1"
}

# --- Debian ------------------------------------------------------------------

# _lc_debian_source — sets _lc_suite, _lc_mirror, _lc_keyring from the apt
# sources (or LC_DEBIAN_SUITE / LC_DEBIAN_MIRROR).
_lc_debian_source() {
    local line
    line="$("$LC_PYTHON" "$LC_TESTS_LIB/apt-source.py")" ||
        { [[ -n "${LC_DEBIAN_SUITE:-}" && -n "${LC_DEBIAN_MIRROR:-}" ]] ||
            lc_skip "no Debian apt source configured"; line="x x -"; }
    read -r _lc_suite _lc_mirror _lc_keyring <<<"$line"
    _lc_suite="${LC_DEBIAN_SUITE:-$_lc_suite}"
    _lc_mirror="${LC_DEBIAN_MIRROR:-$_lc_mirror}"
    [[ "$_lc_keyring" == - || ! -r "$_lc_keyring" ]] && _lc_keyring=""
    return 0
}

# _lc_debian_cache_dir — print the cache layout path for this suite/arch.
_lc_debian_cache_dir() {
    local _lc_suite _lc_mirror _lc_keyring
    _lc_debian_source
    printf '%s/debian-%s-%s\n' "$LC_TEST_CACHE" "$_lc_suite" "$(lc_host_arch)"
}

lc_debian_cached() {
    local c
    c="$(_lc_debian_cache_dir 2>/dev/null)" || return 1
    [[ -f "$c/.complete" ]]
}

# _lc_debian_build CACHE SUITE MIRROR KEYRING — debootstrap and write the
# layout to CACHE (atomically: built aside, then renamed).
_lc_debian_build() {
    local cache="$1" suite="$2" mirror="$3" keyring="$4"
    local build arch t0 t1
    arch="$(lc_host_arch)"
    mkdir -p "$LC_TEST_CACHE"
    build="$(mktemp -d "$LC_TEST_CACHE/build.XXXXXX")"
    # If we are interrupted, never leave proc/sys mounted in the cache dir.
    lc_on_exit "lc_umount_below '$build'; rm -rf '$build'"
    local -a kr=()
    [[ -n "$keyring" ]] && kr=(--keyring="$keyring")
    t0=$SECONDS
    printf '# building Debian %s image with debootstrap (takes minutes, cached in %s)\n' \
        "$suite" "$cache" >&2
    if ! debootstrap --variant=minbase --arch="$arch" "${kr[@]}" \
        "$suite" "$build/rootfs" "$mirror" >"$build/debootstrap.log" 2>&1; then
        tail -n 30 "$build/debootstrap.log" >&2
        lc_umount_below "$build"
        lc_die "debootstrap $suite $mirror failed"
    fi
    lc_umount_below "$build"
    local r="$build/rootfs"
    # Make it look like a container base image: no device nodes, no apt
    # caches or logs, no host identity.
    find "$r/dev" "$r/proc" "$r/sys" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin \
        "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/ldconfig/aux-cache \
        "$r"/var/lib/dpkg/*-old "$r"/var/cache/debconf/*-old "$r"/tmp/* "$r"/var/tmp/*
    mkdir -p "$r/var/lib/apt/lists/partial"
    find "$r/var/log" -type f -exec truncate -s 0 {} +
    : >"$r/etc/resolv.conf"
    : >"$r/etc/hostname"
    [[ -e "$r/etc/machine-id" ]] && : >"$r/etc/machine-id"
    _lc_layer "$r" "$build/layer" --keep-owners
    {
        printf '{"tag":"%s","architecture":"%s","os":"linux","created":"%s",' \
            "$suite" "$arch" "$LC_IMAGE_CREATED"
        printf '"config":{"Env":["%s"],"Cmd":["bash"]},' "$LC_IMAGE_PATH_ENV"
        printf '"layers":[%s]}\n' \
            "$(_lc_layer_spec "$build/layer" "debootstrap --variant=minbase $suite")"
    } >"$build/spec.json"
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" add-image "$build/layout" "$build/spec.json" >/dev/null
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" check "$build/layout" ||
        lc_die "Debian layout failed its own check"
    t1=$SECONDS
    {
        printf 'suite=%s\narch=%s\nbuild_seconds=%d\n' "$suite" "$arch" $((t1 - t0))
        printf 'layer_tar_bytes=%s\nlayer_gz_bytes=%s\n' \
            "$(stat -c %s "$build/layer.tar")" "$(stat -c %s "$build/layer.tar.gz")"
        printf 'built=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$build/layout/build-info.txt"
    touch "$build/layout/.complete"
    rm -rf "$cache"
    mv "$build/layout" "$cache"
    rm -rf "$build"
    printf '# Debian %s image built in %ds\n' "$suite" $((t1 - t0)) >&2
}

# lc_image_debian DIR [TAG] — adds the cached Debian base image (building it
# first if needed, under a lock so parallel tests build it once) to DIR.
# Blobs are hard-linked from the cache when on the same file system.
# Skips (exit 77) unless root and debootstrap is installed, when it has to build.
lc_image_debian() {
    local dir="$1" tag="${2:-latest}" cache
    local _lc_suite _lc_mirror _lc_keyring
    _lc_debian_source
    cache="$LC_TEST_CACHE/debian-$_lc_suite-$(lc_host_arch)"
    mkdir -p "$LC_TEST_CACHE"
    if [[ ! -f "$cache/.complete" ]]; then
        lc_need_cmd debootstrap flock
        lc_need_root
        # Not a ( subshell ): lc_die and lc_on_exit must act on this shell.
        local lockfd
        exec {lockfd}>"$LC_TEST_CACHE/debian-$_lc_suite.lock"
        flock "$lockfd"
        if [[ ! -f "$cache/.complete" ]]; then
            _lc_debian_build "$cache" "$_lc_suite" "$_lc_mirror" "$_lc_keyring"
        fi
        exec {lockfd}>&-
        [[ -f "$cache/.complete" ]] || lc_die "Debian image build failed"
    fi
    LC_DEBIAN_LAYOUT="$cache"
    LC_DEBIAN_SUITE="$_lc_suite"
    export LC_DEBIAN_LAYOUT LC_DEBIAN_SUITE
    local work
    work="$(lc_tmpdir)"
    # Re-tag a copy of the cache's index.json under TAG, then merge it.
    mkdir -p "$work/src"
    ln -s "$cache/blobs" "$work/src/blobs"
    cp "$cache/oci-layout" "$work/src/oci-layout"
    sed "s/\"org.opencontainers.image.ref.name\":\"$_lc_suite\"/\"org.opencontainers.image.ref.name\":\"$tag\"/" \
        "$cache/index.json" >"$work/src/index.json"
    "$LC_PYTHON" "$LC_TESTS_LIB/oci-layout.py" merge "$dir" "$work/src"
    LC_IMAGE_DIGEST="$(grep -o 'sha256:[0-9a-f]\{64\}' "$cache/index.json" | head -n1)"
    LC_IMAGE_REF="oci:$dir:$tag"
    rm -rf "$work"
}

# --- pushing -----------------------------------------------------------------

# lc_image_push [--creds U:P] [--authfile F] [--cert-dir D] [--tls-verify B]
#               [--single] LAYOUT[:TAG] docker://HOST:PORT/REPO:TAG
# Copies with the real skopeo (`copy --all`, unless --single).  When
# HOST:PORT is a registry started by lc_registry_start, its certs.d, TLS
# mode and credentials are used automatically.  Without TLS information the
# push is done with --dest-tls-verify=false.
lc_image_push() {
    local creds="" authfile="" certdir="" verify="" all=--all
    while [[ $# -gt 2 ]]; do
        case "$1" in
        --creds) creds="$2"; shift 2 ;;
        --authfile) authfile="$2"; shift 2 ;;
        --cert-dir) certdir="$2"; shift 2 ;;
        --tls-verify) verify="$2"; shift 2 ;;
        --single) all=""; shift ;;
        *) lc_die "lc_image_push: unknown option $1" ;;
        esac
    done
    [[ $# -eq 2 ]] || lc_die "usage: lc_image_push [opts] LAYOUT[:TAG] docker://HOST:PORT/REPO:TAG"
    lc_need_cmd skopeo
    local src="$1" dest="$2" layout tag
    if [[ "$src" == *:* ]]; then layout="${src%:*}" tag="${src##*:}"; else layout="$src" tag=latest; fi
    [[ "$dest" == docker://* ]] || dest="docker://$dest"
    # Match the destination against the registries this shell started.
    local hostport="${dest#docker://}" p
    hostport="${hostport%%/*}"
    for p in ${LC_REGISTRY_NAMES:-}; do
        local v="$p"
        [[ "${!v:-}" == "$hostport" ]] || continue
        local cd="${p}_CERTS_D" tv="${p}_TLS_VERIFY" af="${p}_AUTHFILE" tu="${p}_USER"
        [[ -z "$certdir" && "${!tv}" == true ]] && certdir="${!cd}"
        [[ -z "$verify" ]] && verify="${!tv}"
        [[ -z "$authfile" && -z "$creds" && -n "${!tu}" ]] && authfile="${!af}"
        break
    done
    local -a args=(--insecure-policy copy --retry-times 0)
    [[ -n "$all" ]] && args+=("$all")
    if [[ -n "$certdir" ]]; then
        args+=(--dest-cert-dir "$certdir/$hostport" --dest-tls-verify="${verify:-true}")
    else
        args+=(--dest-tls-verify="${verify:-false}")
    fi
    # An empty auth file unless told otherwise: never read or write the
    # machine's default credentials.
    if [[ -z "$authfile" && -z "$creds" ]]; then
        authfile="$LC_TEST_ROOT/empty-auth.json"
        [[ -f "$authfile" ]] || printf '{"auths":{}}\n' >"$authfile"
    fi
    [[ -n "$creds" ]] && args+=(--dest-creds "$creds")
    [[ -n "$authfile" ]] && args+=(--dest-authfile "$authfile")
    lc_run_hermetic skopeo "${args[@]}" "oci:$layout:$tag" "$dest" >/dev/null
}
