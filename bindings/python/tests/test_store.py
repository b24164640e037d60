# SPDX-License-Identifier: LGPL-2.1-or-later
"""Containers.Store: layers, images, container records and the store check
on a temporary vfs store (overlay mounts only when root)."""
import io
import os
import tarfile

import gi

gi.require_version("Containers", "1")
from gi.repository import Containers, Gio, GLib  # noqa: E402

import pytest  # noqa: E402


def layer_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        d = tarfile.TarInfo("etc")
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        tf.addfile(d)
        f = tarfile.TarInfo("etc/hostname")
        f.size = 5
        tf.addfile(f, io.BytesIO(b"hello"))
    return buf.getvalue()


@pytest.fixture
def store(tmp_path):
    ctx = Containers.Context.new()
    ctx.set_storage_conf(str(tmp_path / "no-storage.conf"))
    opts = Containers.StoreOptions.new()
    opts.set_graph_root(str(tmp_path / "root"))
    opts.set_run_root(str(tmp_path / "run"))
    opts.set_driver("vfs")
    return Containers.Store.open(ctx, opts, None)


def apply(store, data, parent=None):
    stream = Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(data))
    return store.apply_layer(parent, stream, None, None)


def test_layer_image_and_container_records(store):
    layer = apply(store, layer_tar())
    assert layer.get_diff_digest().startswith("sha256:")
    assert layer.get_id() == layer.get_diff_digest()[7:]
    image = store.create_image(None, layer.get_id(), ["localhost/py-test:latest"], None, None, None)
    assert store.lookup_image("py-test", None).get_id() == image.get_id()
    assert [i.get_id() for i in store.list_images(None)] == [image.get_id()]

    ctr = store.create_container(None, ["py-ctr"], "localhost/py-test", '{"k":1}', None)
    assert ctr.get_image_id() == image.get_id()
    assert ctr.get_names() == ["py-ctr"]
    assert ctr.get_metadata() == '{"k":1}'
    assert [c.get_id() for c in store.list_containers(None)] == [ctr.get_id()]
    assert store.lookup_container("py-ctr", None).get_layer_id() == ctr.get_layer_id()
    assert store.lookup_layer(ctr.get_layer_id(), None).get_parent() == layer.get_id()
    run_dir = store.dup_container_directory("py-ctr", True, None)
    assert os.path.isdir(run_dir) and run_dir.endswith("/userdata")

    store.set_container_big_data("py-ctr", "config.json", GLib.Bytes.new(b"{}"), None)
    assert store.get_container_big_data("py-ctr", "config.json", None).get_data() == b"{}"
    assert store.lookup_container("py-ctr", None).get_big_data_names() == ["config.json"]

    with pytest.raises(GLib.Error) as e:
        store.create_container(None, ["py-ctr"], None, None, None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.ALREADY_EXISTS)
    with pytest.raises(GLib.Error) as e:
        store.delete_image(image.get_id(), None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.LOCKED)

    if os.geteuid() == 0:
        path = store.mount_container("py-ctr", None)
        with open(os.path.join(path, "etc/hostname")) as f:
            assert f.read() == "hello"
        store.unmount_container("py-ctr", False, None)

    assert list(store.check(Containers.StoreCheckFlags.DIGESTS, None)) == []
    store.delete_container("py-ctr", None)
    with pytest.raises(GLib.Error) as e:
        store.lookup_container("py-ctr", None)
    assert e.value.matches(Containers.error_quark(), Containers.Error.NOT_FOUND)
    assert not os.path.exists(run_dir)
    store.delete_image("localhost/py-test:latest", None)
    assert list(store.list_layers(None)) == []


def test_check_reports_then_repairs(store):
    layer = apply(store, layer_tar())
    store.create_image(None, layer.get_id(), ["localhost/broken:latest"], None, None, None)
    os.rename(os.path.join(store.get_graph_root(), "vfs", "dir", layer.get_id()),
              os.path.join(store.get_graph_root(), "gone"))
    problems = list(store.check(Containers.StoreCheckFlags.NONE, None))
    assert len(problems) == 2
    assert any("data directory is missing" in p for p in problems)
    store.check(Containers.StoreCheckFlags.REPAIR, None)
    assert list(store.check(Containers.StoreCheckFlags.NONE, None)) == []
    assert list(store.list_images(None)) == []
