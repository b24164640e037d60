# SPDX-License-Identifier: LGPL-2.1-or-later
"""Installing a log handler from Python (Containers.set_log_func).

No public call logs yet, so these tests check what the binding must get
right: a Python callable is accepted with and without user data, and the
library releases it (its destroy notify) when it is replaced or reset.
"""
import gc
import weakref

import gi

gi.require_version("Containers", "1")
from gi.repository import Containers  # noqa: E402


class Handler:
    def __init__(self):
        self.messages = []

    def __call__(self, level, component, message, *user_data):
        self.messages.append((level, component, message) + tuple(user_data))


def teardown_function(function):
    Containers.set_log_func(Containers.LogLevel.WARNING, None)


def test_log_levels_are_ordered_most_severe_first():
    levels = [Containers.LogLevel.ERROR, Containers.LogLevel.WARNING,
              Containers.LogLevel.INFO, Containers.LogLevel.DEBUG]
    assert [int(level) for level in levels] == [0, 1, 2, 3]


def test_set_log_func_accepts_a_python_callable():
    handler = Handler()
    Containers.set_log_func(Containers.LogLevel.DEBUG, handler)
    Containers.set_log_func(Containers.LogLevel.DEBUG, handler, "user data")
    # Library calls keep working with a Python handler installed.
    assert Containers.ImageRef.parse("busybox").to_string() == "docker.io/library/busybox:latest"


def test_replacing_the_handler_releases_the_old_one():
    handler = Handler()
    ref = weakref.ref(handler)
    Containers.set_log_func(Containers.LogLevel.INFO, handler)
    del handler
    gc.collect()
    assert ref() is not None, "the library must keep the handler alive while installed"
    Containers.set_log_func(Containers.LogLevel.INFO, Handler())
    gc.collect()
    assert ref() is None, "the replaced handler must be released (destroy notify)"


def test_resetting_to_none_releases_the_handler():
    handler = Handler()
    ref = weakref.ref(handler)
    Containers.set_log_func(Containers.LogLevel.DEBUG, handler, "data")
    del handler
    Containers.set_log_func(Containers.LogLevel.WARNING, None)
    gc.collect()
    assert ref() is None
