// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"runtime/cgo"
	"sync/atomic"
	"testing"
)

type logLine struct {
	level              LogLevel
	component, message string
}

func TestLogLevelsMirrorLcLogLevel(t *testing.T) {
	if LogError != 0 || LogWarning != 1 || LogInfo != 2 || LogDebug != 3 {
		t.Errorf("%d %d %d %d", LogError, LogWarning, LogInfo, LogDebug)
	}
}

func TestSetLogFuncReleasesReplacedHandlers(t *testing.T) {
	defer SetLogFunc(LogWarning, nil)
	SetLogFunc(LogWarning, nil)
	if n := atomic.LoadInt32(&liveLogHandles); n != 0 {
		t.Fatalf("%d handles live before the test", n)
	}
	SetLogFunc(LogDebug, func(LogLevel, string, string) {})
	SetLogFunc(LogInfo, func(LogLevel, string, string) {})
	if n := atomic.LoadInt32(&liveLogHandles); n != 1 {
		t.Errorf("%d handles live after replacing, want 1", n)
	}
	SetLogFunc(LogWarning, nil)
	if n := atomic.LoadInt32(&liveLogHandles); n != 0 {
		t.Errorf("%d handles live after reset, want 0", n)
	}
}

func TestLogMessagesReachTheGoHandler(t *testing.T) {
	// No public call logs yet; this drives the path the C trampoline takes,
	// from the cgo.Handle the library is given as user_data.
	var got []logLine
	var fn LogFunc = func(level LogLevel, component, message string) {
		got = append(got, logLine{level, component, message})
	}
	h := cgo.NewHandle(fn)
	defer h.Delete()
	dispatchLog(h, LogInfo, "image", "resolved busybox")
	dispatchLog(h, LogError, "storage", "cleanup failed")
	want := []logLine{{LogInfo, "image", "resolved busybox"}, {LogError, "storage", "cleanup failed"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLibraryCallsWorkWithAGoHandlerInstalled(t *testing.T) {
	defer SetLogFunc(LogWarning, nil)
	SetLogFunc(LogDebug, func(LogLevel, string, string) {})
	ref, err := ParseImageRef("busybox")
	if err != nil || ref.String() != "docker.io/library/busybox:latest" {
		t.Fatalf("%v %v", ref, err)
	}
}
