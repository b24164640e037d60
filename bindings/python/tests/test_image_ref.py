# SPDX-License-Identifier: LGPL-2.1-or-later
"""Containers.ImageRef through GObject introspection."""
import gi

gi.require_version("Containers", "1")
from gi.repository import Containers, GLib, GObject  # noqa: E402

import pytest  # noqa: E402

SHA256 = "sha256:" + "f" * 64
SHA256_B = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"


def test_parse_normalizes_busybox():
    assert Containers.ImageRef.parse("busybox").to_string() == "docker.io/library/busybox:latest"


def test_parse_gives_domain_path_name_tag_and_digest():
    ref = Containers.ImageRef.parse("localhost:5000/a/b:v1@" + SHA256)
    assert ref.get_domain() == "localhost:5000"
    assert ref.get_path() == "a/b"
    assert ref.get_name() == "localhost:5000/a/b"
    assert ref.get_tag() == "v1"
    assert ref.get_digest() == SHA256


def test_missing_tag_and_digest_are_none():
    ref = Containers.ImageRef.parse("quay.io/podman/stable")
    assert ref.get_tag() is None
    assert ref.get_digest() is None


@pytest.mark.parametrize("text, domain, path", [
    ("busybox", "docker.io", "library/busybox"),
    ("docker.io/busybox", "docker.io", "library/busybox"),
    ("index.docker.io/x", "docker.io", "library/x"),
    ("localhost/x", "localhost", "x"),
    ("localhost:5000/a/b", "localhost:5000", "a/b"),
    ("Foo/bar", "Foo", "bar"),
    ("[::1]:5000/x", "[::1]:5000", "x"),
    ("test_com/foo", "docker.io", "test_com/foo"),
])
def test_parse_normalizes_like_docker(text, domain, path):
    ref = Containers.ImageRef.parse(text)
    assert (ref.get_domain(), ref.get_path()) == (domain, path)


@pytest.mark.parametrize("text", [
    "", "Alpine", "Foo:bar", ":justtag", "docker///docker", "a" * 64,
    "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "repo@sha256:" + "f" * 34, "repo@md5:" + "f" * 64, "foo:" + "t" * 129,
    "example.com/" + "a" * 256,
])
def test_invalid_references_raise_glib_error(text):
    with pytest.raises(GLib.Error) as info:
        Containers.ImageRef.parse(text)
    assert info.value.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)


def test_error_message_says_what_and_where():
    with pytest.raises(GLib.Error) as info:
        Containers.ImageRef.parse("Foo:bar")
    e = info.value
    assert e.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)
    assert e.domain == "lc-error-quark"
    assert e.code == int(Containers.Error.INVALID_REFERENCE)
    assert e.message == 'invalid reference "Foo:bar": repository name must be lowercase'


def test_to_string_adds_latest_only_without_tag_or_digest():
    assert Containers.ImageRef.parse("busybox:1").to_string() == "docker.io/library/busybox:1"
    assert (Containers.ImageRef.parse("busybox@" + SHA256_B).to_string()
            == "docker.io/library/busybox@" + SHA256_B)
    assert (Containers.ImageRef.parse("busybox:latest@" + SHA256_B).to_string()
            == "docker.io/library/busybox:latest@" + SHA256_B)


@pytest.mark.parametrize("text, familiar", [
    ("docker.io/library/busybox", "busybox"),
    ("docker.io/someone/app:1", "someone/app:1"),
    ("docker.io/library/foo/bar", "library/foo/bar"),
    ("quay.io/podman/stable:v5", "quay.io/podman/stable:v5"),
])
def test_to_familiar_string_is_the_short_form(text, familiar):
    assert Containers.ImageRef.parse(text).to_familiar_string() == familiar


def test_with_tag_and_with_digest_make_new_references():
    ref = Containers.ImageRef.parse("quay.io/podman/stable:v4")
    tagged = ref.with_tag("v5")
    assert tagged.to_string() == "quay.io/podman/stable:v5"
    assert ref.get_tag() == "v4"
    both = tagged.with_digest(SHA256)
    assert both.to_string() == "quay.io/podman/stable:v5@" + SHA256


@pytest.mark.parametrize("tag", ["-foo", "", "a/b", "t" * 129])
def test_with_tag_rejects_invalid_tags(tag):
    ref = Containers.ImageRef.parse("busybox")
    with pytest.raises(GLib.Error) as info:
        ref.with_tag(tag)
    assert info.value.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)


@pytest.mark.parametrize("digest", ["foo", "sha256:abc", "sha256:" + "F" * 64, "md5:" + "f" * 64])
def test_with_digest_rejects_invalid_digests(digest):
    ref = Containers.ImageRef.parse("busybox")
    with pytest.raises(GLib.Error) as info:
        ref.with_digest(digest)
    assert info.value.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)


def test_equal_and_hash_agree():
    a = Containers.ImageRef.parse("busybox")
    b = Containers.ImageRef.parse("docker.io/library/busybox")
    c = Containers.ImageRef.parse("busybox:latest")
    assert a.equal(b)
    assert a.hash() == b.hash()
    assert not a.equal(c)


def test_image_ref_is_a_boxed_gtype():
    gtype = Containers.ImageRef.__gtype__
    assert gtype.name == "LcImageRef"
    assert gtype.is_a(GObject.TYPE_BOXED)
    ref = Containers.ImageRef.parse("busybox")
    value = GObject.Value(gtype, ref)
    assert value.get_value().to_string() == "docker.io/library/busybox:latest"


def test_references_outlive_their_source():
    refs = [Containers.ImageRef.parse("busybox:%d" % i).with_tag("t%d" % i) for i in range(100)]
    assert [r.get_tag() for r in refs] == ["t%d" % i for i in range(100)]
