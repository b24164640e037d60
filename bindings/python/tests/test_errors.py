# SPDX-License-Identifier: LGPL-2.1-or-later
"""The LC_ERROR domain as Python sees it: GLib.Error with Containers.Error codes."""
import gi

gi.require_version("Containers", "1")
from gi.repository import Containers, GLib  # noqa: E402

import pytest  # noqa: E402


def test_error_quark_is_lc_error_quark():
    assert Containers.error_quark() == GLib.quark_from_string("lc-error-quark")


@pytest.mark.parametrize("name, value", [
    ("FAILED", 0), ("INVALID_ARGUMENT", 1), ("INVALID_REFERENCE", 2), ("NOT_FOUND", 3),
    ("ALREADY_EXISTS", 4), ("IO", 5), ("NETWORK", 6), ("TLS", 7), ("UNAUTHORIZED", 8),
    ("DIGEST_MISMATCH", 9), ("UNSUPPORTED", 10), ("CORRUPT_STORE", 11), ("LOCKED", 12),
    ("CANCELLED", 13), ("PERMISSION_DENIED", 14), ("RUNTIME", 15), ("INVALID_DATA", 16),
    ("INVALID_CONFIG", 17), ("POLICY_DENIED", 18), ("TIMEOUT", 19),
])
def test_error_codes_keep_their_numbers(name, value):
    assert int(getattr(Containers.Error, name)) == value


def test_failures_arrive_as_glib_error_in_the_lc_domain():
    with pytest.raises(GLib.Error) as info:
        Containers.ImageRef.parse("Alpine")
    e = info.value
    assert e.matches(Containers.error_quark(), Containers.Error.INVALID_REFERENCE)
    assert not e.matches(Containers.error_quark(), Containers.Error.NOT_FOUND)
    assert e.domain == "lc-error-quark"


def test_error_is_cancelled_matches_both_cancellations():
    gio = GLib.Error.new_literal(GLib.quark_from_string("g-io-error-quark"), "stop", 19)
    lc = GLib.Error.new_literal(Containers.error_quark(), "killed",
                                int(Containers.Error.CANCELLED))
    other = GLib.Error.new_literal(Containers.error_quark(), "slow", int(Containers.Error.TIMEOUT))
    assert Containers.error_is_cancelled(gio)
    assert Containers.error_is_cancelled(lc)
    assert not Containers.error_is_cancelled(other)
