# SPDX-License-Identifier: LGPL-2.1-or-later
"""Containers.RegistryOptions and the registry calls, on paths that need no
server (a closed loopback port stands in for an unreachable registry)."""
import base64
import json
import socket

import gi

gi.require_version("Containers", "1")
from gi.repository import Containers, GLib  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    for name in ["CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE", "XDG_CONFIG_HOME"]:
        monkeypatch.delenv(name, raising=False)
    conf = tmp_path / "registries.conf"
    conf.write_text('[[registry]]\nlocation = "blocked.example.org"\nblocked = true\n')
    c = Containers.Context.new()
    c.set_registries_conf(str(conf))
    c.set_registries_conf_dir(str(tmp_path / "registries.conf.d"))
    c.set_auth_file(str(tmp_path / "auth.json"))
    return c


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_options_are_a_boxed_type_with_setters():
    o = Containers.RegistryOptions.new()
    o.set_tls_verify(False)
    o.set_cert_dir("/certs")
    o.set_auth_file("/auth.json")
    o.set_credentials("user", "secret")
    o.set_retry_times(0)
    o.set_stall_timeout(5)


def test_list_tags_refuses_a_tag(ctx):
    ref = Containers.ImageRef.parse("quay.io/a/b:1")
    with pytest.raises(GLib.Error) as e:
        Containers.registry_list_tags(ctx, ref, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)


def test_blocked_registry_is_denied(ctx):
    ref = Containers.ImageRef.parse("blocked.example.org/a")
    with pytest.raises(GLib.Error) as e:
        Containers.registry_list_tags(ctx, ref, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.POLICY_DENIED)


def test_unreachable_registry_is_a_network_error(ctx):
    o = Containers.RegistryOptions.new()
    o.set_tls_verify(False)
    o.set_retry_times(0)
    ref = Containers.ImageRef.parse("127.0.0.1:%d/a/b:1" % closed_port())
    with pytest.raises(GLib.Error) as e:
        Containers.registry_delete_image(ctx, ref, o, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.NETWORK)


def test_get_login_and_logout_edit_the_auth_file(ctx, tmp_path):
    auth = tmp_path / "auth.json"
    token = base64.b64encode(b"alice:secret").decode()
    auth.write_text(json.dumps({"auths": {"quay.io": {"auth": token}}}))
    assert Containers.registry_get_login(ctx, "quay.io", None) == "alice"
    assert Containers.registry_logout(ctx, "quay.io", None)
    with pytest.raises(GLib.Error) as e:
        Containers.registry_get_login(ctx, "quay.io", None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.NOT_FOUND)
    assert json.loads(auth.read_text()) == {"auths": {}}
    assert Containers.registry_logout_all(ctx, None)
