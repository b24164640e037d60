#!/usr/bin/python3
"""Minimal Docker registry v2 token server for tests (stdlib only).

Implements the token endpoint described by the distribution "token" auth
scheme (https://distribution.github.io/distribution/spec/auth/token/):

    GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]
    POST /token   (OAuth2 form: grant_type=password|refresh_token)

Answers {"token", "access_token", "expires_in", "issued_at"} (plus
"refresh_token" for POST password grants).  Tokens are JWTs signed RS256
with the key given by --key; the header carries the certificate (--cert) in
"x5c", so the registry accepts them when that certificate is in its
`auth.token.rootcertbundle`.  Signing is delegated to
`openssl dgst -sha256 -sign KEY` (PKCS#1 v1.5, i.e. RS256).

Policy (deliberately simple, good enough for tests):
  * no credentials       -> "pull" only (unless --no-anonymous, then 401)
  * valid Basic USER:PASS -> every requested action (pull, push, delete, *)
  * wrong credentials     -> 401
  * scope "registry:catalog:*" is granted to authenticated users only.

Every request is appended as one JSON line to --log (if given), so tests can
assert which scopes a client asked for.

Usage: token-server.py --port P --key K.pem --cert C.pem --issuer I
                       --service S [--user U:P ...] [--no-anonymous]
                       [--ttl SECONDS] [--log FILE] [--ready-file FILE]
"""

import argparse
import base64
import binascii
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pem_to_der_b64(pem_path: str) -> str:
    """Return the standard-base64 DER of the first certificate in a PEM."""
    lines = []
    inside = False
    with open(pem_path, encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if line == "-----BEGIN CERTIFICATE-----":
                inside = True
                continue
            if line == "-----END CERTIFICATE-----":
                break
            if inside:
                lines.append(line)
    if not lines:
        raise SystemExit(f"no certificate in {pem_path}")
    return "".join(lines)


class Signer:
    def __init__(self, key_path: str, cert_path: str):
        self.key_path = key_path
        self.x5c = [pem_to_der_b64(cert_path)]
        self.lock = threading.Lock()

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": self.x5c}
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        proc = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", self.key_path],
            input=signing_input.encode("ascii"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=True,
        )
        return signing_input + "." + b64url(proc.stdout)


def parse_scope(scope: str):
    """'repository:a/b:pull,push' -> ('repository', 'a/b', ['pull','push']).

    The name may itself contain ':' (host:port never appears here, but be
    lenient): type is before the first ':', actions after the last one."""
    first = scope.find(":")
    last = scope.rfind(":")
    if first < 0 or last == first:
        return None
    typ = scope[:first]
    name = scope[first + 1 : last]
    actions = [a for a in scope[last + 1 :].split(",") if a]
    return typ, name, actions


class Handler(BaseHTTPRequestHandler):
    server_version = "lc-test-token-server/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    # --- helpers -------------------------------------------------------------
    def _send_json(self, code: int, obj: dict, extra_headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _unauthorized(self, why: str):
        self._send_json(
            401,
            {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
            {"WWW-Authenticate": 'Basic realm="lc-test-token-server"'},
        )

    def _basic_user(self):
        """Returns (user, ok): user None when no credentials were sent."""
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return None, True
        try:
            raw = base64.b64decode(auth[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", False
        user, _, password = raw.partition(":")
        return user, self.server.users.get(user) == password

    def _log(self, entry: dict):
        if self.server.log_path:
            with self.server.log_lock, open(self.server.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def _issue(self, user, service, scopes, want_refresh=False, client_id=""):
        cfg = self.server
        if service and service != cfg.service:
            self._send_json(
                400, {"errors": [{"code": "DENIED", "message": "unknown service"}]}
            )
            return
        access = []
        for scope in scopes:
            parsed = parse_scope(scope)
            if not parsed:
                continue
            typ, name, actions = parsed
            if user:
                granted = actions
            elif typ == "repository":
                granted = [a for a in actions if a == "pull"]
            else:
                granted = []
            access.append({"type": typ, "name": name, "actions": granted})
        now = int(time.time())
        with cfg.counter_lock:
            cfg.counter += 1
            jti = f"{now}-{os.getpid()}-{cfg.counter}"
        claims = {
            "iss": cfg.issuer,
            "sub": user or "",
            "aud": cfg.service,
            "exp": now + cfg.ttl,
            "nbf": now - 10,
            "iat": now,
            "jti": jti,
            "access": access,
        }
        token = cfg.signer.sign(claims)
        issued_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        answer = {
            "token": token,
            "access_token": token,
            "expires_in": cfg.ttl,
            "issued_at": issued_at,
        }
        if want_refresh and user:
            refresh = b64url(os.urandom(24))
            cfg.refresh_tokens[refresh] = user
            answer["refresh_token"] = refresh
        self._log(
            {
                "method": self.command,
                "user": user,
                "service": service,
                "scopes": scopes,
                "access": access,
                "client_id": client_id,
            }
        )
        self._send_json(200, answer)

    # --- endpoints -----------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            self._send_json(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        q = urllib.parse.parse_qs(url.query)
        user, ok = self._basic_user()
        if not ok:
            self._log({"method": "GET", "user": user, "denied": True})
            self._unauthorized("bad credentials")
            return
        if user is None and not self.server.anonymous:
            self._unauthorized("authentication required")
            return
        scopes = []
        for s in q.get("scope", []):
            # Some clients join several scopes with a space.
            scopes.extend(x for x in s.split(" ") if x)
        self._issue(
            user,
            q.get("service", [""])[0],
            scopes,
            want_refresh=q.get("offline_token", [""])[0] == "true",
            client_id=q.get("client_id", [""])[0],
        )

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            self._send_json(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        length = int(self.headers.get("Content-Length", "0") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        get = lambda k: form.get(k, [""])[0]  # noqa: E731
        grant = get("grant_type")
        user = None
        if grant == "password":
            user = get("username")
            if self.server.users.get(user) != get("password"):
                self._unauthorized("bad credentials")
                return
        elif grant == "refresh_token":
            user = self.server.refresh_tokens.get(get("refresh_token"))
            if not user:
                self._unauthorized("bad refresh token")
                return
        else:
            self._send_json(
                400, {"errors": [{"code": "UNSUPPORTED", "message": grant}]}
            )
            return
        scopes = [x for s in form.get("scope", []) for x in s.split(" ") if x]
        self._issue(
            user,
            get("service"),
            scopes,
            want_refresh=(grant == "password" and get("access_type") == "offline"),
            client_id=get("client_id"),
        )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user", action="append", default=[], help="USER:PASS")
    ap.add_argument("--no-anonymous", action="store_true")
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--log")
    ap.add_argument("--ready-file")
    args = ap.parse_args()

    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.daemon_threads = True
    srv.signer = Signer(args.key, args.cert)
    srv.issuer = args.issuer
    srv.service = args.service
    srv.users = dict(u.split(":", 1) for u in args.user)
    srv.anonymous = not args.no_anonymous
    srv.ttl = args.ttl
    srv.log_path = args.log
    srv.log_lock = threading.Lock()
    srv.counter = 0
    srv.counter_lock = threading.Lock()
    srv.refresh_tokens = {}
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(f"{srv.server_address[1]}\n")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
