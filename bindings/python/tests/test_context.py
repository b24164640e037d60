# SPDX-License-Identifier: LGPL-2.1-or-later
"""Containers.Context: defaults, environment, setters, GObject properties."""
import os

import gi

gi.require_version("Containers", "1")
from gi.repository import Containers  # noqa: E402

import pytest  # noqa: E402

ENV = ["CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE", "CONTAINERS_STORAGE_CONF",
       "CONTAINERS_CONF", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    # LcContext reads the environment with g_getenv(), which sees os.environ
    # as long as Python sets it with putenv (monkeypatch does).
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    yield


def test_new_context_has_system_defaults_under_root():
    ctx = Containers.Context.new()
    ctx.set_rootless(False)
    ctx.set_root("/sysroot")
    assert ctx.get_root() == "/sysroot"
    assert ctx.dup_registries_conf() == "/sysroot/etc/containers/registries.conf"
    assert ctx.dup_registries_conf_dir() == "/sysroot/etc/containers/registries.conf.d"
    assert ctx.dup_policy_path() == "/sysroot/etc/containers/policy.json"
    assert ctx.dup_certs_dir() == "/sysroot/etc/containers/certs.d"
    assert ctx.dup_storage_conf() == "/sysroot/etc/containers/storage.conf"
    assert ctx.dup_containers_conf() == "/sysroot/etc/containers/containers.conf"
    assert ctx.dup_auth_file() == "/sysroot/run/containers/%d/auth.json" % os.geteuid()


def test_environment_is_read_when_the_context_is_made(monkeypatch):
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", "/env/registries.conf")
    monkeypatch.setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", "/env/storage.conf")
    monkeypatch.setenv("CONTAINERS_CONF", "/env/containers.conf")
    ctx = Containers.Context.new()
    monkeypatch.setenv("REGISTRY_AUTH_FILE", "/env/later.json")
    assert ctx.dup_registries_conf() == "/env/registries.conf"
    assert ctx.dup_auth_file() == "/env/auth.json"
    assert ctx.dup_storage_conf() == "/env/storage.conf"
    assert ctx.dup_containers_conf() == "/env/containers.conf"


def test_explicit_paths_win_and_none_resets(monkeypatch):
    monkeypatch.setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
    ctx = Containers.Context.new()
    ctx.set_auth_file("/set/auth.json")
    assert ctx.dup_auth_file() == "/set/auth.json"
    ctx.set_auth_file(None)
    assert ctx.dup_auth_file() == "/env/auth.json"
    for name in ["registries_conf", "registries_conf_dir", "policy_path", "certs_dir",
                 "storage_conf", "containers_conf"]:
        getattr(ctx, "set_" + name)("/set/" + name)
        assert getattr(ctx, "dup_" + name)() == "/set/" + name
        getattr(ctx, "set_" + name)(None)
        assert getattr(ctx, "dup_" + name)() != "/set/" + name


def test_user_agent_and_rootless():
    ctx = Containers.Context.new()
    assert ctx.get_user_agent() == "libcontainers/" + Containers.version()
    ctx.set_user_agent("tool/2")
    assert ctx.get_user_agent() == "tool/2"
    ctx.set_user_agent(None)
    assert ctx.get_user_agent() == "libcontainers/" + Containers.version()
    assert ctx.get_rootless() == (os.geteuid() != 0)
    ctx.set_rootless(True)
    assert ctx.get_rootless() is True


def test_properties_and_notify():
    ctx = Containers.Context(root="/r", rootless=False, policy_path="/p.json")
    assert ctx.props.root == "/r"
    assert ctx.props.rootless is False
    assert ctx.props.policy_path == "/p.json"
    assert ctx.props.registries_conf == "/r/etc/containers/registries.conf"
    seen = []
    ctx.connect("notify", lambda obj, pspec: seen.append(pspec.name))
    ctx.props.root = "/s"
    ctx.set_root("/s")
    ctx.set_storage_conf("/st.conf")
    ctx.props.user_agent = "x/1"
    assert seen == ["root", "storage-conf", "user-agent"]
