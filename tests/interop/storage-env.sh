#!/bin/bash
# storage-env.sh — sourced (after tests/lib/podman.sh) by the storage-*.sh
# scripts: the temporary store they share with Debian's tools, on the
# driver LC_STORAGE_DRIVER asks for, and the small public-API programs of
# this directory built against this build tree.

# lc_storage_env ROOT: lc_podman_env ROOT, then storage.conf, lc_podman and
# lc_buildah moved to "$driver" (set by the caller) when it is not overlay,
# so that Debian's tools open the store with the driver we use.
lc_storage_env() {
    lc_podman_env "$1"
    [[ "${driver:?}" != overlay ]] || return 0
    sed -i "s/^driver = .*/driver = \"$driver\"/" "$CONTAINERS_STORAGE_CONF"
    # shellcheck disable=SC2317  # called by the sourcing script
    lc_podman() { podman --root "$LC_GRAPHROOT" --runroot "$LC_RUNROOT" --storage-driver "$driver" "$@"; }
    # shellcheck disable=SC2317  # called by the sourcing script
    lc_buildah() { buildah --root "$LC_GRAPHROOT" --runroot "$LC_RUNROOT" --storage-driver "$driver" "$@"; }
}

# lc_storage_build OUT SOURCE: compiles SOURCE against the uninstalled
# libcontainers of $LC_BUILD_DIR (public API only), or dies.
lc_storage_build() {
    local pc="$LC_BUILD_DIR/meson-uninstalled"
    # shellcheck disable=SC2046  # pkg-config's flags are words
    PKG_CONFIG_PATH="$pc" cc -o "$1" "$2" \
        $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs libcontainers-uninstalled) \
        -Wl,-rpath,"$LC_BUILD_DIR/libcontainers" || lc_die "cannot build ${1##*/}"
}
