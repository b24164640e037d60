// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <stdint.h>
#include <containers/containers.h>

// Defined in log.c: installs lcGoLog with a cgo.Handle as user_data.
void lc_go_set_log_func (LcLogLevel max_level, uintptr_t handle);
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// LogLevel is the level of a log message (LcLogLevel), most severe first.
type LogLevel int

// The log levels. A handler installed for a level receives that level and
// all more severe ones.
const (
	LogError   LogLevel = C.LC_LOG_ERROR
	LogWarning LogLevel = C.LC_LOG_WARNING
	LogInfo    LogLevel = C.LC_LOG_INFO
	LogDebug   LogLevel = C.LC_LOG_DEBUG
)

// LogFunc receives the library's log messages. It may be called from any
// thread that runs library code, so it must be safe for concurrent use,
// and it must not call back into libcontainers.
type LogFunc func(level LogLevel, component, message string)

// setLogMu serializes SetLogFunc; liveLogHandles counts the handles the
// library holds (for tests: it must go back to zero).
var (
	setLogMu       sync.Mutex
	liveLogHandles int32
)

// SetLogFunc installs fn for messages at maxLevel and more severe; nil
// goes back to the default handler (silent unless LC_DEBUG is set). The
// handler is process-wide. When SetLogFunc returns, no thread is still in
// the previous handler.
func SetLogFunc(maxLevel LogLevel, fn LogFunc) {
	setLogMu.Lock()
	defer setLogMu.Unlock()
	if fn == nil {
		C.lc_set_log_func(C.LcLogLevel(maxLevel), nil, nil, nil)
		return
	}
	h := cgo.NewHandle(fn)
	atomic.AddInt32(&liveLogHandles, 1)
	C.lc_go_set_log_func(C.LcLogLevel(maxLevel), C.uintptr_t(h))
}

// dispatchLog hands a message to the LogFunc behind h.
func dispatchLog(h cgo.Handle, level LogLevel, component, message string) {
	if fn, ok := h.Value().(LogFunc); ok {
		fn(level, component, message)
	}
}

//export lcGoLog
func lcGoLog(level C.LcLogLevel, component *C.char, message *C.char, userData C.gpointer) {
	dispatchLog(cgo.Handle(uintptr(unsafe.Pointer(userData))), LogLevel(level),
		C.GoString(component), C.GoString(message))
}

//export lcGoLogDestroy
func lcGoLogDestroy(userData C.gpointer) {
	cgo.Handle(uintptr(unsafe.Pointer(userData))).Delete()
	atomic.AddInt32(&liveLogHandles, -1)
}
