#!/usr/bin/python3
"""A tiny registry stand-in on 127.0.0.1 for error answers that the real
registry never gives: every repository name selects a behaviour of
GET /v2/NAME/tags/list (see BEHAVIOURS).  Hits are counted per name and
served at /counts as JSON.

usage: registry-stub.py PORTFILE [--bearer]   (writes the port it listens on)

With --bearer, /v2/ asks for Bearer tokens from /token, which hands out
tokens (as "access_token", without expires_in) naming the scopes asked
for; /v2/scoped/tags/list wants the extra scope repository:other:pull and
says so with error="insufficient_scope".

Repositories "img-BEHAVIOUR" serve a small image (manifest and blobs) for
lc-skopeo copy, broken as BEHAVIOUR says (see image()): the manifest of an
unknown media type, malformed, oversized; the layer answering
401/403/404/429/500, truncated, stalled, or with altered bytes.

Repository "redir" serves a small image whose blobs answer 307: the config
to /internal/ on the same host and port, the layer to /external/ on
"localhost" (another host); both count the requests that carried an
Authorization header.
"""
import urllib.parse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = {}
LOCK = threading.Lock()


# A tiny image for redirect tests: blob bytes are arbitrary (copies only
# check digests).
CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": []}}).encode()
LAYER = bytes(range(256)) * 64


def digest(data):
    import hashlib
    return "sha256:" + hashlib.sha256(data).hexdigest()


BLOBS = {digest(CONFIG): CONFIG, digest(LAYER): LAYER}
MANIFEST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": digest(CONFIG), "size": len(CONFIG)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digest(LAYER), "size": len(LAYER)}]}).encode()


def count(name):
    with LOCK:
        COUNTS[name] = COUNTS.get(name, 0) + 1


def errors(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path
        if BEARER and path.startswith("/token"):
            q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
            with LOCK:
                COUNTS["token"] = COUNTS.get("token", 0) + 1
            tok = "tok:" + " ".join(q.get("scope", []))
            return self.send(200, json.dumps({"access_token": tok}).encode(), [("Content-Type", "application/json")])
        port = self.server.server_address[1]
        if path.startswith("/internal/") or path.startswith("/external/"):
            where = path.split("/")[1]
            count(where)
            if self.headers.get("Authorization"):
                count(where + "_auth")
            if where == "internal" and BEARER and not self.headers.get("Authorization"):
                return self.send(401, b"")
            return self.send(200, BLOBS.get(path.split("/")[2], b""),
                             [("Content-Type", "application/octet-stream")])
        if path.startswith("/v2/img-"):
            return self.image(path)
        if path.startswith("/v2/redir/manifests/"):
            return self.send(200, MANIFEST, [("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
                                             ("Docker-Content-Digest", digest(MANIFEST))])
        if path.startswith("/v2/redir/blobs/"):
            d = path.split("/")[4]
            if d not in BLOBS:
                return self.send(404, errors("BLOB_UNKNOWN", "blob unknown to registry"))
            # the config on the same host:port, the layer elsewhere
            target = ("http://127.0.0.1:%d/internal/%s" % (port, d) if BLOBS[d] is CONFIG
                      else "http://localhost:%d/external/%s" % (port, d))
            return self.send(307, b"", [("Location", target)])
        if path == "/v2/":
            if BEARER:
                realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
                return self.send(401, errors("UNAUTHORIZED", "authentication required"),
                                 [("WWW-Authenticate", 'Bearer realm="%s",service="stub"' % realm)])
            return self.send(200, b"{}", [("Content-Type", "application/json")])
        if path == "/counts":
            with LOCK:
                return self.send(200, json.dumps(COUNTS).encode())
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "v2":
            return self.send(404, b"404 page not found\n")
        name = parts[2]
        with LOCK:
            COUNTS[name] = COUNTS.get(name, 0) + 1
            n = COUNTS[name]
        jh = [("Content-Type", "application/json")]
        if BEARER:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer tok:"):
                return self.send(401, errors("UNAUTHORIZED", "no token"), jh)
            if name == "scoped" and "repository:other:pull" not in auth:
                return self.send(401, errors("UNAUTHORIZED", "insufficient scope"),
                                 jh + [("WWW-Authenticate", 'Bearer realm="x",service="stub",'
                                        'error="insufficient_scope",scope="repository:other:pull"')])
            if name == "scoped":
                return self.send(200, json.dumps({"name": name, "tags": ["wider"]}).encode(), jh)
        if name == "unauth":
            return self.send(401, errors("UNAUTHORIZED", "authentication required"),
                             jh + [("WWW-Authenticate", 'Basic realm="stub"')])
        if name == "denied":
            return self.send(403, errors("DENIED", "requested access to the resource is denied"), jh)
        if name == "missing":
            return self.send(404, errors("NAME_UNKNOWN", "repository name not known to registry"), jh)
        if name == "busy":
            if n <= 2:
                return self.send(429, errors("TOOMANYREQUESTS", "slow down"), jh + [("Retry-After", "1")])
            return self.send(200, json.dumps({"name": name, "tags": ["after-429"]}).encode(), jh)
        if name == "flaky":
            if n <= 1:
                return self.send(503, b"<html>maintenance</html>")
            return self.send(200, json.dumps({"name": name, "tags": ["after-503"]}).encode(), jh)
        if name == "broken":
            return self.send(500, b"internal failure, not JSON")
        if name == "reset":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if name == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"name":"truncated","tags":["a"')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if name == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"name":')
            self.wfile.flush()
            time.sleep(30)
            return
        if name == "garbage":
            return self.send(200, b"<html>not json</html>", [("Content-Type", "text/html")])
        if name == "huge":
            self.send_response(200)
            size = 17 * 1024 * 1024
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(size // 65536):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        if name == "badtag":
            return self.send(200, json.dumps({"name": name, "tags": ["ok", "bad tag!"]}).encode(), jh)
        if name == "paged":
            q = path.split("?", 1)[1] if "?" in path else ""
            pages = {"": (["a", "b"], "a"), "last=b": (["c"], "c"), "last=c": (["d"], None)}
            key = "last=" + q.split("last=")[1] if "last=" in q else ""
            tags, nxt = pages.get(key, ([], None))
            hdrs = list(jh)
            if key == "":
                hdrs.append(("Link", '</v2/paged/tags/list?n=2&last=b>; rel="next"'))
            elif key == "last=b":
                hdrs.append(("Link", '<http://elsewhere.invalid/v2/paged/tags/list?n=2&last=c>; rel="next"'))
            return self.send(200, json.dumps({"name": name, "tags": tags + ["", "sha256:" + "0" * 64]}).encode(), hdrs)
        return self.send(404, errors("NAME_UNKNOWN", "no behaviour " + name), jh)


    def image(self, path):
        parts = path.split("/")
        behaviour = parts[2][len("img-"):]
        count(parts[2])
        jh = [("Content-Type", "application/json")]
        if len(parts) < 5 or parts[3] not in ("manifests", "blobs"):
            return self.send(404, errors("NAME_UNKNOWN", "no such thing"), jh)
        if parts[3] == "manifests":
            mt = "application/vnd.oci.image.manifest.v1+json"
            body = MANIFEST
            if behaviour == "unknownmt":
                mt = "application/vnd.example.unknown.v1+json"
                body = json.dumps({"schemaVersion": 2, "mediaType": mt, "stuff": []}).encode()
            elif behaviour == "malformed":
                body = b'{"schemaVersion": 2, "mediaType": "' + mt.encode() + b'", "config": {'
            elif behaviour == "oversized":
                body = MANIFEST[:-1] + b', "annotations": {"x": "' + b"y" * (5 * 1024 * 1024) + b'"}}'
            elif behaviour == "manifest401":
                return self.send(401, errors("UNAUTHORIZED", "authentication required"),
                                 jh + [("WWW-Authenticate", 'Basic realm="stub"')])
            elif behaviour == "manifest403":
                return self.send(403, errors("DENIED", "requested access to the resource is denied"), jh)
            elif behaviour == "manifest404":
                return self.send(404, errors("MANIFEST_UNKNOWN", "manifest unknown"), jh)
            return self.send(200, body, [("Content-Type", mt), ("Docker-Content-Digest", digest(body))])
        d = parts[4]
        if d not in BLOBS:
            return self.send(404, errors("BLOB_UNKNOWN", "blob unknown to registry"), jh)
        data = BLOBS[d]
        if data is CONFIG:
            return self.send(200, data, [("Content-Type", "application/octet-stream")])
        codes = {"401": (401, "UNAUTHORIZED", "authentication required"),
                 "403": (403, "DENIED", "requested access to the resource is denied"),
                 "404": (404, "BLOB_UNKNOWN", "blob unknown to registry"),
                 "429": (429, "TOOMANYREQUESTS", "slow down"),
                 "500": (500, "UNKNOWN", "internal failure")}
        if behaviour in codes:
            status, code, message = codes[behaviour]
            extra = [("Retry-After", "1")] if status == 429 else []
            return self.send(status, errors(code, message), jh + extra)
        if behaviour == "corrupt":
            altered = bytearray(data)
            altered[100] ^= 0xff
            return self.send(200, bytes(altered), [("Content-Type", "application/octet-stream")])
        if behaviour in ("truncated", "stall"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "HEAD":
                return
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            if behaviour == "stall":
                time.sleep(30)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        return self.send(200, data, [("Content-Type", "application/octet-stream")])


BEARER = "--bearer" in sys.argv


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
