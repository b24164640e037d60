# SPDX-License-Identifier: LGPL-2.1-or-later
"""The version of the loaded library."""
import gi

gi.require_version("Containers", "1")
from gi.repository import Containers  # noqa: E402


def test_version_is_major_minor_micro():
    expected = "%d.%d.%d" % (Containers.get_major_version(), Containers.get_minor_version(),
                             Containers.get_micro_version())
    assert Containers.version() == expected


def test_version_matches_the_constants_of_the_typelib():
    assert Containers.version() == Containers.VERSION_S
    assert Containers.get_major_version() == Containers.MAJOR_VERSION
    assert Containers.get_minor_version() == Containers.MINOR_VERSION
    assert Containers.get_micro_version() == Containers.MICRO_VERSION


def test_major_version_is_the_soname_major():
    assert Containers.get_major_version() == 1
