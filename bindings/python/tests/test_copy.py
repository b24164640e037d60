# SPDX-License-Identifier: LGPL-2.1-or-later
"""Containers.copy_image and the inspect calls through GObject
introspection, on OCI layouts the test writes: options, a progress
callback, the policy, errors."""
import gzip
import hashlib
import io
import json
import os
import tarfile

import gi

gi.require_version("Containers", "1")
from gi.repository import Containers, Gio, GLib  # noqa: E402

import pytest  # noqa: E402


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_layout(path):
    """An OCI layout with one image (one 1 MiB gzip layer) tagged v1."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data):
        (blobs / sha(data)[7:]).write_bytes(data)
        return sha(data)

    content = os.urandom(1 << 20)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("data.bin")
        info.size = len(content)
        tf.addfile(info, io.BytesIO(content))
    tar = buf.getvalue()
    layer = gzip.compress(tar, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [sha(tar)]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": put(layer), "size": len(layer)}]}).encode()
    digest = put(manifest)
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
        "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}))
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    return digest


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    for name in ["CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE", "XDG_CONFIG_HOME"]:
        monkeypatch.delenv(name, raising=False)
    c = Containers.Context.new()
    policy = tmp_path / "policy.json"
    policy.write_text('{"default":[{"type":"insecureAcceptAnything"}]}')
    c.set_policy_path(str(policy))
    c.set_registries_conf(str(tmp_path / "registries.conf"))
    c.set_auth_file(str(tmp_path / "auth.json"))
    return c


@pytest.fixture
def layout(tmp_path):
    path = tmp_path / "src"
    return path, make_layout(path)


def test_copy_with_options_and_progress(ctx, layout, tmp_path):
    src, digest = layout
    opts = Containers.CopyOptions.new()
    opts.set_max_parallel(2)
    opts.set_retry_times(0)
    opts.set_platform("linux", "amd64", None)
    events = []

    def on_progress(p, _user_data=None):
        events.append((p.get_phase(), p.get_kind(), p.get_digest(), p.get_bytes_done(), p.get_bytes_total()))

    ok, written = Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/dst:v1", opts, on_progress, None)
    assert ok and written == digest
    phases = {e[0] for e in events}
    for ph in (Containers.CopyPhase.RESOLVE, Containers.CopyPhase.DOWNLOAD, Containers.CopyPhase.VERIFY,
               Containers.CopyPhase.WRITE, Containers.CopyPhase.DONE):
        assert ph in phases
    downloads = [e for e in events if e[0] == Containers.CopyPhase.DOWNLOAD and e[1] == Containers.BlobKind.LAYER]
    assert max(e[3] for e in downloads) > 0
    assert all(e[4] > 0 for e in downloads)

    # again: both blobs are skipped
    events.clear()
    ok, _ = Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/dst:v2", None, on_progress, None)
    assert ok and sum(1 for e in events if e[0] == Containers.CopyPhase.SKIP) == 2

    # schema2 into dir:, no callback
    v2 = Containers.CopyOptions.new()
    v2.set_format(Containers.ManifestFormat.V2S2)
    assert v2.get_format() == Containers.ManifestFormat.V2S2
    ok, d2 = Containers.copy_image(ctx, f"oci:{src}:v1", f"dir:{tmp_path}/d", v2, None, None)
    assert ok and d2 != digest
    assert json.loads((tmp_path / "d" / "manifest.json").read_text())["mediaType"] == \
        "application/vnd.docker.distribution.manifest.v2+json"


def test_inspect(ctx, layout):
    src, digest = layout
    info = json.loads(Containers.inspect_image(ctx, f"oci:{src}:v1", None, None))
    assert info["Digest"] == digest and info["Architecture"] == "amd64" and len(info["Layers"]) == 1
    raw, media_type = Containers.inspect_manifest(ctx, f"oci:{src}:v1", None, None, None)
    assert sha(raw.get_data()) == digest
    assert media_type == "application/vnd.oci.image.manifest.v1+json"
    config = Containers.inspect_config(ctx, f"oci:{src}:v1", None, None)
    assert json.loads(config.get_data())["os"] == "linux"
    with pytest.raises(GLib.Error) as e:
        Containers.inspect_image(ctx, f"oci:{src}:nope", None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.NOT_FOUND)


def test_policy_and_errors(ctx, layout, tmp_path):
    src, digest = layout
    policy = tmp_path / "reject.json"
    policy.write_text('{"default":[{"type":"reject"}]}')
    ctx.set_policy_path(str(policy))
    with pytest.raises(GLib.Error) as e:
        Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/x:v1", None, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.POLICY_DENIED)
    assert "rejected by policy" in e.value.message
    assert not (tmp_path / "x").exists()

    opts = Containers.CopyOptions.new()
    opts.set_insecure_policy(True)
    assert opts.get_insecure_policy()
    ok, written = Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/x:v1", opts, None, None)
    assert ok and written == digest

    ctx.set_policy_path(str(tmp_path / "missing.json"))
    with pytest.raises(GLib.Error) as e:
        Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/y:v1", None, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.INVALID_CONFIG)
    assert "no policy.json" in e.value.message

    with pytest.raises(GLib.Error) as e:
        Containers.copy_image(ctx, "foo:bar", f"oci:{tmp_path}/z", opts, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)

    # cancelled up front
    c = Gio.Cancellable.new()
    c.cancel()
    with pytest.raises(GLib.Error) as e:
        Containers.copy_image(ctx, f"oci:{src}:v1", f"oci:{tmp_path}/c:v1", opts, None, None, c)
    assert e.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_copy_options_setters():
    o = Containers.CopyOptions.new()
    o.set_all(True)
    o.set_compression(Containers.Compression.ZSTD)
    o.set_remove_signatures(True)
    o.set_src_tls_verify(False)
    o.set_dest_tls_verify(True)
    o.set_src_creds("a:b")
    o.set_dest_creds(None)
    o.set_src_cert_dir("/certs")
    o.set_dest_cert_dir(None)
    o.set_src_auth_file("/auth.json")
    o.set_dest_auth_file(None)
    o.set_src_no_creds(True)
    o.set_dest_no_creds(False)
    o.set_stall_timeout(5)
    assert o.get_all() and o.get_compression() == Containers.Compression.ZSTD
