# shellcheck shell=bash
# tests/lib/podman.sh — a private configuration and store for the real
# podman, buildah and skopeo (and for our own tools, which read the same
# CONTAINERS_* variables), so that interop tests share one temp store and
# never touch /var/lib/containers, /run/containers or the user's config.
#
#   . tests/lib/podman.sh
#   lc_registry_start            # optional, before lc_podman_env
#   lc_podman_env "$(lc_tmpdir)"
#   lc_podman pull "$LC_REGISTRY/test/busybox:latest"
#   lc_podman run --rm "$LC_REGISTRY/test/busybox:latest" echo hi
#
# lc_podman_env ROOT [INSECURE_REGISTRY...]
#   Writes under ROOT:
#     containers.conf  default_ulimits nofile=20000:20000 (this host's hard
#                      limit: never ask for more) and nproc=4096:4096,
#                      runtime runc (crun does not work on this host's hybrid
#                      cgroups), cgroup_manager cgroupfs, events_logger file,
#                      file locks, tmp/static/volume/network dirs inside ROOT,
#                      netns "host" by default (LC_PODMAN_NETNS overrides:
#                      private/bridge networks would create a host bridge
#                      shared by all tests)
#     storage.conf     overlay, graphroot ROOT/root, runroot ROOT/run
#     registries.conf  unqualified-search-registries = [], every plain-HTTP
#                      registry started by lc_registry_start (and each
#                      INSECURE_REGISTRY argument) marked insecure
#     home/.config/containers/policy.json   insecureAcceptAnything
#     home/.config/containers/certs.d/      ca.crt of every --tls registry
#     home/.config/containers/registries.d/ signature lookaside in ROOT/sigstore
#     auth.json        empty credentials file (REGISTRY_AUTH_FILE)
#   Exports CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF,
#   CONTAINERS_STORAGE_CONF, REGISTRY_AUTH_FILE, and
#     LC_PODMAN_ROOT     ROOT
#     LC_PODMAN_HOME     ROOT/home (HOME for the real tools: policy, certs.d)
#     LC_POLICY_JSON     the policy file
#     LC_CERTS_D         ROOT/home/.config/containers/certs.d
#     LC_GRAPHROOT, LC_RUNROOT   the store
#   Call it again (same ROOT) after starting more registries to refresh
#   registries.conf and certs.d.
#
# lc_podman ARGS...      podman --root ROOT/root --runroot ROOT/run
#                        --storage-driver overlay ARGS...
# lc_buildah ARGS...     buildah, same store
# lc_skopeo_real ARGS... skopeo with the same configuration (policy,
#                        registries.conf, storage.conf), run through
#                        lc_run_hermetic (its blob-info cache would go to
#                        /var/lib/containers otherwise)
# lc_podman_cleanup      stop/remove all containers and pods, unmount the
#                        store (registered at exit by lc_podman_env)

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# _lc_toml_str S — a TOML basic string (paths from mktemp need no escaping
# beyond backslash and quote, but be safe).
_lc_toml_str() {
    local s="${1//\\/\\\\}"
    printf '"%s"' "${s//\"/\\\"}"
}

lc_podman_env() {
    local root="$1"
    shift
    [[ -n "$root" ]] || lc_die "lc_podman_env ROOT"
    mkdir -p "$root"
    root="$(cd "$root" && pwd -P)"
    local home="$root/home" cfg="$root/home/.config/containers"
    mkdir -p "$root"/{root,run,tmp,networks,events} "$cfg/certs.d"
    chmod 0700 "$root/root" "$root/run"

    # --- containers.conf ---
    cat >"$root/containers.conf" <<EOF
# Written by tests/lib/podman.sh for tests; see containers.conf(5).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
log_driver = "k8s-file"
netns = $(_lc_toml_str "${LC_PODMAN_NETNS:-host}")

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = $(_lc_toml_str "$root/events/events.log")
lock_type = "file"
tmp_dir = $(_lc_toml_str "$root/tmp")
static_dir = $(_lc_toml_str "$root/root/libpod")
volume_path = $(_lc_toml_str "$root/root/volumes")

[network]
network_backend = "netavark"
network_config_dir = $(_lc_toml_str "$root/networks")
EOF

    # --- storage.conf ---
    cat >"$root/storage.conf" <<EOF
# Written by tests/lib/podman.sh for tests; see containers-storage.conf(5).
[storage]
driver = "overlay"
graphroot = $(_lc_toml_str "$root/root")
runroot = $(_lc_toml_str "$root/run")

[storage.options.overlay]
mountopt = "nodev"
EOF

    # --- registries.conf and certs.d ---
    local -a insecure=("$@")
    local p v tv cd d
    for p in ${LC_REGISTRY_NAMES:-}; do
        v="$p" tv="${p}_TLS_VERIFY" cd="${p}_CERTS_D"
        [[ -n "${!v:-}" ]] || continue
        if [[ "${!tv:-false}" == true ]]; then
            for d in "${!cd}"/*/; do
                if [[ -d "$d" ]]; then cp -r "${d%/}" "$cfg/certs.d/"; fi
            done
        else
            insecure+=("${!v}")
        fi
    done
    {
        printf '# Written by tests/lib/podman.sh for tests.\n'
        printf 'unqualified-search-registries = []\n'
        printf 'short-name-mode = "disabled"\n'
        local r
        for r in "${insecure[@]}"; do
            printf '\n[[registry]]\nlocation = %s\ninsecure = true\n' "$(_lc_toml_str "$r")"
        done
    } >"$root/registries.conf"

    # --- policy.json (found through HOME by podman, buildah and skopeo) ---
    printf '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}}\n' \
        >"$cfg/policy.json"
    cp "$cfg/policy.json" "$root/policy.json"
    # Signatures (lookaside) stay inside ROOT, not /var/lib/containers/sigstore.
    mkdir -p "$cfg/registries.d" "$root/sigstore"
    printf 'default-docker:\n  sigstore-staging: file://%s\n  sigstore: file://%s\n' \
        "$root/sigstore" "$root/sigstore" >"$cfg/registries.d/default.yaml"
    [[ -f "$root/auth.json" ]] || printf '{"auths":{}}\n' >"$root/auth.json"

    export CONTAINERS_CONF="$root/containers.conf"
    export CONTAINERS_STORAGE_CONF="$root/storage.conf"
    export CONTAINERS_REGISTRIES_CONF="$root/registries.conf"
    export REGISTRY_AUTH_FILE="$root/auth.json"
    export LC_PODMAN_ROOT="$root" LC_PODMAN_HOME="$home"
    export LC_POLICY_JSON="$root/policy.json" LC_CERTS_D="$cfg/certs.d"
    export LC_GRAPHROOT="$root/root" LC_RUNROOT="$root/run"

    if [[ "${_lc_podman_cleanup_for:-}" != "$root" ]]; then
        lc_on_exit "lc_podman_cleanup '$root'"
        _lc_podman_cleanup_for="$root"
    fi
}

# _lc_tool_env — environment for the real tools: HOME and XDG_CONFIG_HOME
# point into the test root (policy.json, certs.d, registries.d), nothing
# from the invoking user's config leaks in.
_lc_tool_env() {
    [[ -n "${LC_PODMAN_ROOT:-}" ]] || lc_die "call lc_podman_env ROOT first"
    printf '%s\n' "HOME=$LC_PODMAN_HOME" "XDG_CONFIG_HOME=$LC_PODMAN_HOME/.config" \
        "XDG_DATA_HOME=$LC_PODMAN_HOME/.local/share"
}

lc_podman() {
    local -a e
    mapfile -t e < <(_lc_tool_env)
    env "${e[@]}" podman --root "$LC_GRAPHROOT" --runroot "$LC_RUNROOT" \
        --storage-driver overlay "$@"
}

lc_buildah() {
    local -a e
    mapfile -t e < <(_lc_tool_env)
    env "${e[@]}" buildah --root "$LC_GRAPHROOT" --runroot "$LC_RUNROOT" \
        --storage-driver overlay "$@"
}

lc_skopeo_real() {
    local -a e
    mapfile -t e < <(_lc_tool_env)
    lc_run_hermetic env "${e[@]}" skopeo --policy "$LC_POLICY_JSON" \
        --registries-conf "$CONTAINERS_REGISTRIES_CONF" "$@"
}

# lc_podman_cleanup [ROOT] — best effort: remove containers and pods (this
# stops conmon and runc), unmount the store, so the temp dir can go.
lc_podman_cleanup() {
    local root="${1:-${LC_PODMAN_ROOT:-}}"
    [[ -n "$root" && -d "$root/root" ]] || return 0
    local -a g=(--root "$root/root" --runroot "$root/run" --storage-driver overlay)
    if command -v podman >/dev/null 2>&1; then
        HOME="$root/home" CONTAINERS_CONF="$root/containers.conf" \
            timeout 60 podman "${g[@]}" pod rm -af -t 0 >/dev/null 2>&1 || true
        HOME="$root/home" CONTAINERS_CONF="$root/containers.conf" \
            timeout 60 podman "${g[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    fi
    if command -v buildah >/dev/null 2>&1 && [[ -d "$root/root/overlay-containers" ]]; then
        HOME="$root/home" CONTAINERS_CONF="$root/containers.conf" \
            timeout 60 buildah "${g[@]}" rm -a >/dev/null 2>&1 || true
    fi
    lc_umount_below "$root"
    return 0
}
