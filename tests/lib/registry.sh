# shellcheck shell=bash
# tests/lib/registry.sh — throwaway Docker registries (Debian's docker-registry,
# the reference "distribution" registry) for integration tests.
#
#   . tests/lib/registry.sh
#   lc_registry_start                         # plain HTTP, no auth
#   lc_registry_start --name REG2 --tls --htpasswd alice:secret
#   lc_registry_start --name TOK --token --htpasswd bob:pw
#
# lc_registry_start [--name PREFIX] [--tls] [--htpasswd USER:PASS]...
#                   [--token] [--no-anonymous] [--quiet]
#
#   --name PREFIX   variable prefix (default LC_REGISTRY); use a different one
#                   per registry to run several at once in one shell
#   --tls           HTTPS with a throwaway CA; certificate valid for 127.0.0.1
#                   (IP SAN) and localhost
#   --htpasswd U:P  require HTTP Basic auth (bcrypt htpasswd file); may be
#                   repeated; the first user is exported as PREFIX_USER/PASS
#   --token         Bearer token auth: also starts tests/lib/token-server.py;
#                   anonymous pull, push needs a --htpasswd user (given users
#                   are the token server's users; default testuser:testpass)
#   --no-anonymous  with --token: anonymous token requests get 401
#
# It must be called in the test's own shell (not in "$(...)"): the variables
# and the exit-time stop would be lost otherwise.  It exports:
#
#   PREFIX            host:port, e.g. 127.0.0.1:43121 (use in image refs)
#   PREFIX_HOST       127.0.0.1
#   PREFIX_PORT       the port
#   PREFIX_URL        http://127.0.0.1:PORT or https://…
#   PREFIX_TLS_VERIFY "false" for plain HTTP, "true" with --tls (skopeo/podman
#                     --tls-verify value that works with PREFIX_CERTS_D)
#   PREFIX_DIR        filesystem storage root; blobs are under
#                     $PREFIX_DIR/docker/registry/v2/blobs/sha256/xx/<hex>/data
#   PREFIX_CERTS_D    a certs.d directory: <it>/127.0.0.1:PORT/ca.crt and
#                     <it>/localhost:PORT/ca.crt (empty dir without --tls)
#   PREFIX_CA         the CA certificate (PEM), empty without --tls
#   PREFIX_USER, PREFIX_PASS   first credentials (empty without auth)
#   PREFIX_AUTHFILE   a containers-auth.json with those credentials for
#                     PREFIX (an empty {"auths":{}} without auth)
#   PREFIX_TOKEN_URL  token realm (--token only), PREFIX_TOKEN_LOG its log
#                     (one JSON line per token request)
#   PREFIX_CONFIG     the registry's config.yml, PREFIX_LOG its log file
#   PREFIX_PID        registry pid (PREFIX_TOKEN_PID for the token server)
#   PREFIX_WORK       directory holding all of the above
#   LC_REGISTRY_NAMES space-separated prefixes of all registries started
#                     (lc_image_push uses it to find certs and credentials)
#
# lc_registry_stop [PREFIX]   stop it now (done automatically at exit)
# lc_registry_curl [PREFIX] ARGS...   curl with the right CA and credentials,
#                             relative paths prefixed by PREFIX_URL, e.g.
#                             lc_registry_curl LC_REGISTRY -fsS /v2/_catalog
# lc_registry_blob_path [PREFIX] DIGEST   path of a blob's data file in storage

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LC_REGISTRY_BIN="${LC_REGISTRY_BIN:-/usr/bin/docker-registry}"

# _lc_export NAME VALUE — export a variable whose name is computed.
_lc_export() {
    printf -v "$1" '%s' "$2"
    export "${1?}"
}

# _lc_gen_ca DIR — DIR/ca.key, DIR/ca.crt (EC P-256, 2 days).
_lc_gen_ca() {
    local dir="$1"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 \
        -subj "/CN=libcontainers test CA $$" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# _lc_gen_server_cert DIR — DIR/server.{key,crt} signed by DIR/ca.*, valid
# for IP 127.0.0.1, IP ::1 and DNS localhost.
_lc_gen_server_cert() {
    local dir="$1"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/server.key" -out "$dir/server.csr" \
        -subj "/CN=127.0.0.1" 2>/dev/null
    cat >"$dir/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EOF
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -out "$dir/server.crt" -days 2 -sha256 \
        -extfile "$dir/server.ext" 2>/dev/null
}

# _lc_gen_token_cert DIR — RSA key + self-signed cert the registry trusts for
# token signatures (RS256, produced by `openssl dgst -sha256 -sign`).
_lc_gen_token_cert() {
    local dir="$1"
    openssl req -x509 -newkey rsa:2048 -nodes \
        -keyout "$dir/token.key" -out "$dir/token.crt" -days 2 \
        -subj "/CN=libcontainers test token issuer $$" 2>/dev/null
}

lc_registry_start() {
    local name=LC_REGISTRY tls=0 token=0 anonymous=1 quiet=0
    local -a users=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --name) name="$2"; shift 2 ;;
        --tls) tls=1; shift ;;
        --htpasswd) users+=("$2"); shift 2 ;;
        --token) token=1; shift ;;
        --no-anonymous) anonymous=0; shift ;;
        --quiet) quiet=1; shift ;;
        *) lc_die "lc_registry_start: unknown option $1" ;;
        esac
    done
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || lc_die "lc_registry_start: bad --name $name"
    [[ -x "$LC_REGISTRY_BIN" ]] || lc_skip "docker-registry not installed ($LC_REGISTRY_BIN)"
    lc_need_cmd openssl curl
    if ((${#users[@]} > 0 && !token)); then lc_need_cmd htpasswd; fi
    if ((token && ${#users[@]} == 0)); then users=("testuser:testpass"); fi

    local work port host=127.0.0.1 scheme=http u
    work="$(mktemp -d "$LC_TEST_ROOT/registry-$name.XXXXXX")"
    mkdir -p "$work/storage" "$work/certs.d"
    port="$(lc_free_port)"
    local addr="$host:$port"

    # Config file.  Everything is explicit so that /etc/docker/registry and
    # REGISTRY_* environment variables play no part.
    {
        printf 'version: 0.1\n'
        printf 'log:\n  level: warn\n  formatter: text\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$work/storage"
        printf '  delete:\n    enabled: true\n'
        printf '  maintenance:\n    uploadpurging:\n      enabled: false\n'
        printf 'http:\n  addr: %s\n' "$addr"
        printf '  secret: %s\n' "$(openssl rand -hex 16)"
        printf '  headers:\n    X-Content-Type-Options: [nosniff]\n'
        printf '  draintimeout: 1s\n'
    } >"$work/config.yml"

    local ca=""
    if ((tls)); then
        _lc_gen_ca "$work"
        _lc_gen_server_cert "$work"
        ca="$work/ca.crt"
        scheme=https
        mkdir -p "$work/certs.d/$addr" "$work/certs.d/localhost:$port"
        cp "$ca" "$work/certs.d/$addr/ca.crt"
        cp "$ca" "$work/certs.d/localhost:$port/ca.crt"
        printf '  tls:\n    certificate: %s\n    key: %s\n' \
            "$work/server.crt" "$work/server.key" >>"$work/config.yml"
    fi

    local token_port="" token_url=""
    if ((token)); then
        _lc_gen_token_cert "$work"
        token_port="$(lc_free_port)"
        token_url="http://$host:$token_port/token"
        printf 'auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n' \
            "$token_url" "lc-test-registry" "lc-test-issuer" "$work/token.crt" >>"$work/config.yml"
    elif ((${#users[@]} > 0)); then
        : >"$work/htpasswd"
        for u in "${users[@]}"; do
            htpasswd -Bbn "${u%%:*}" "${u#*:}" | sed '/^$/d' >>"$work/htpasswd"
        done
        printf 'auth:\n  htpasswd:\n    realm: lc-test-realm\n    path: %s\n' \
            "$work/htpasswd" >>"$work/config.yml"
    fi

    # Start the registry with a clean REGISTRY_* environment.
    local -a unset_env=()
    local v
    while read -r v; do unset_env+=(-u "$v"); done < <(compgen -e | grep '^REGISTRY_' || true)
    env "${unset_env[@]}" "$LC_REGISTRY_BIN" serve "$work/config.yml" \
        </dev/null >"$work/registry.log" 2>&1 &
    local pid=$!
    lc_on_exit "lc_registry_stop $name"

    local tpid=""
    if ((token)); then
        local -a targs=(--port "$token_port" --key "$work/token.key" --cert "$work/token.crt"
            --issuer lc-test-issuer --service lc-test-registry --log "$work/token-requests.log")
        for u in "${users[@]}"; do targs+=(--user "$u"); done
        ((anonymous)) || targs+=(--no-anonymous)
        "$LC_PYTHON" "$LC_TESTS_LIB/token-server.py" "${targs[@]}" \
            </dev/null >"$work/token-server.log" 2>&1 &
        tpid=$!
    fi

    local user="" pass="" authfile="$work/auth.json"
    if ((${#users[@]} > 0)); then
        user="${users[0]%%:*}"
        pass="${users[0]#*:}"
        printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$addr" \
            "$(printf '%s:%s' "$user" "$pass" | base64 -w0)" >"$authfile"
    else
        printf '{"auths":{}}\n' >"$authfile"
    fi

    _lc_export "$name" "$addr"
    _lc_export "${name}_HOST" "$host"
    _lc_export "${name}_PORT" "$port"
    _lc_export "${name}_URL" "$scheme://$addr"
    _lc_export "${name}_TLS_VERIFY" "$([[ $tls == 1 ]] && echo true || echo false)"
    _lc_export "${name}_DIR" "$work/storage"
    _lc_export "${name}_CERTS_D" "$work/certs.d"
    _lc_export "${name}_CA" "$ca"
    _lc_export "${name}_USER" "$user"
    _lc_export "${name}_PASS" "$pass"
    _lc_export "${name}_AUTHFILE" "$authfile"
    _lc_export "${name}_TOKEN_URL" "$token_url"
    _lc_export "${name}_TOKEN_LOG" "$([[ $token == 1 ]] && echo "$work/token-requests.log")"
    _lc_export "${name}_TOKEN_PID" "$tpid"
    _lc_export "${name}_CONFIG" "$work/config.yml"
    _lc_export "${name}_LOG" "$work/registry.log"
    _lc_export "${name}_PID" "$pid"
    _lc_export "${name}_WORK" "$work"
    case " ${LC_REGISTRY_NAMES:-} " in
    *" $name "*) ;;
    *) _lc_export LC_REGISTRY_NAMES "${LC_REGISTRY_NAMES:+$LC_REGISTRY_NAMES }$name" ;;
    esac

    # Wait until /v2/ answers (any HTTP status: 200, or 401 with auth).
    local -a cacert=()
    [[ -n "$ca" ]] && cacert=(--cacert "$ca")
    local deadline=$((SECONDS + 30)) code=000
    while ((SECONDS <= deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            sed 's/^/# registry: /' "$work/registry.log" >&2
            lc_die "docker-registry exited during startup (config $work/config.yml)"
        fi
        code="$(curl -s -o /dev/null -w '%{http_code}' "${cacert[@]}" "$scheme://$addr/v2/" || true)"
        [[ "$code" == 200 || "$code" == 401 ]] && break
        sleep 0.1
    done
    [[ "$code" == 200 || "$code" == 401 ]] ||
        lc_die "registry on $addr did not answer /v2/ in 30s (last HTTP code $code)"
    if ((token)); then
        lc_wait_port "$host" "$token_port" 30 ||
            { cat "$work/token-server.log" >&2; lc_die "token server did not start"; }
    fi
    ((quiet)) || lc_log "registry $name at $scheme://$addr (storage $work/storage)"
    return 0
}

# _lc_prefix_arg "$@" — if $1 looks like a variable prefix that names a
# started registry, use it; else LC_REGISTRY.  Sets _lc_p and _lc_shift.
_lc_prefix_arg() {
    _lc_p=LC_REGISTRY _lc_shift=0
    if [[ $# -gt 0 && "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
        local pidvar="${1}_PID"
        if [[ -n "${!pidvar:-}" ]]; then _lc_p="$1" _lc_shift=1; fi
    fi
}

lc_registry_stop() {
    local name="${1:-LC_REGISTRY}" pidvar tpidvar pid tpid
    pidvar="${name}_PID" tpidvar="${name}_TOKEN_PID"
    pid="${!pidvar:-}" tpid="${!tpidvar:-}"
    local p
    for p in $pid $tpid; do
        kill "$p" 2>/dev/null || continue
        # Wait (bounded) for it to go away; SIGKILL if it lingers.
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    printf -v "$pidvar" '%s' ""
    printf -v "$tpidvar" '%s' ""
    return 0
}

# lc_registry_curl [PREFIX] CURL-ARGS... — relative URLs ("/v2/...") are
# prefixed with PREFIX_URL; the CA and Basic credentials are added.  With
# --token registries, ask lc_registry_token first and pass -H yourself.
lc_registry_curl() {
    local _lc_p _lc_shift
    _lc_prefix_arg "$@"
    shift "$_lc_shift"
    local urlv="${_lc_p}_URL" cav="${_lc_p}_CA" userv="${_lc_p}_USER" passv="${_lc_p}_PASS"
    local tokv="${_lc_p}_TOKEN_URL"
    local -a args=() a
    [[ -n "${!cav:-}" ]] && args+=(--cacert "${!cav}")
    [[ -n "${!userv:-}" && -z "${!tokv:-}" ]] && args+=(-u "${!userv}:${!passv}")
    for a in "$@"; do
        if [[ "$a" == /* ]]; then args+=("${!urlv}$a"); else args+=("$a"); fi
    done
    curl "${args[@]}"
}

# lc_registry_token [PREFIX] SCOPE... — print a bearer token from the token
# server (authenticated as PREFIX_USER), e.g.
#   tok=$(lc_registry_token TOK repository:foo:pull,push)
#   lc_registry_curl TOK -H "Authorization: Bearer $tok" /v2/foo/tags/list
lc_registry_token() {
    local _lc_p _lc_shift
    _lc_prefix_arg "$@"
    shift "$_lc_shift"
    local tokv="${_lc_p}_TOKEN_URL" userv="${_lc_p}_USER" passv="${_lc_p}_PASS"
    local q="service=lc-test-registry" s
    for s in "$@"; do q+="&scope=$s"; done
    curl -fsS -u "${!userv}:${!passv}" "${!tokv}?$q" |
        "$LC_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# lc_registry_blob_path [PREFIX] sha256:HEX — where the registry keeps that
# blob's bytes (to corrupt or delete it in tests).
lc_registry_blob_path() {
    local _lc_p _lc_shift
    _lc_prefix_arg "$@"
    shift "$_lc_shift"
    local dirv="${_lc_p}_DIR" hex="${1#sha256:}"
    printf '%s/docker/registry/v2/blobs/sha256/%s/%s/data\n' "${!dirv}" "${hex:0:2}" "$hex"
}
