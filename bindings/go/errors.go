// SPDX-License-Identifier: LGPL-2.1-or-later

// Package containers is the Go binding of libcontainers, a C library that
// reimplements containers/image, containers/storage and libpod.
//
// It is built with cgo against the library found by pkg-config
// (`libcontainers`; for a build tree, PKG_CONFIG_PATH=<build>/meson-uninstalled).
// Handles wrap reference-counted C objects: they are released by a
// finalizer, or at once with Close. Failures are *Error values, which
// errors.Is matches against the Err* sentinels by domain and code:
//
//	ref, err := containers.ParseImageRef("busybox")
//	if errors.Is(err, containers.ErrInvalidReference) { ... }
//	fmt.Println(ref.String()) // docker.io/library/busybox:latest
package containers

/*
#cgo pkg-config: libcontainers
#include <stdlib.h>
#include <containers/containers.h>
*/
import "C"

import (
	"fmt"
	"strings"
)

// ErrorDomain is the domain of libcontainers' own errors (LC_ERROR).
const ErrorDomain = "lc-error-quark"

// ErrorCode is a code of the LC_ERROR domain (LcError in C). Errors of
// other domains (GIO's "g-io-error-quark" for file-system failures) keep
// their own numbers.
type ErrorCode int

// The codes of LcError. The list only grows; numbers never change.
const (
	ErrorFailed           ErrorCode = C.LC_ERROR_FAILED
	ErrorInvalidArgument  ErrorCode = C.LC_ERROR_INVALID_ARGUMENT
	ErrorInvalidReference ErrorCode = C.LC_ERROR_INVALID_REFERENCE
	ErrorNotFound         ErrorCode = C.LC_ERROR_NOT_FOUND
	ErrorAlreadyExists    ErrorCode = C.LC_ERROR_ALREADY_EXISTS
	ErrorIO               ErrorCode = C.LC_ERROR_IO
	ErrorNetwork          ErrorCode = C.LC_ERROR_NETWORK
	ErrorTLS              ErrorCode = C.LC_ERROR_TLS
	ErrorUnauthorized     ErrorCode = C.LC_ERROR_UNAUTHORIZED
	ErrorDigestMismatch   ErrorCode = C.LC_ERROR_DIGEST_MISMATCH
	ErrorUnsupported      ErrorCode = C.LC_ERROR_UNSUPPORTED
	ErrorCorruptStore     ErrorCode = C.LC_ERROR_CORRUPT_STORE
	ErrorLocked           ErrorCode = C.LC_ERROR_LOCKED
	ErrorCancelled        ErrorCode = C.LC_ERROR_CANCELLED
	ErrorPermissionDenied ErrorCode = C.LC_ERROR_PERMISSION_DENIED
	ErrorRuntime          ErrorCode = C.LC_ERROR_RUNTIME
	ErrorInvalidData      ErrorCode = C.LC_ERROR_INVALID_DATA
	ErrorInvalidConfig    ErrorCode = C.LC_ERROR_INVALID_CONFIG
	ErrorPolicyDenied     ErrorCode = C.LC_ERROR_POLICY_DENIED
	ErrorTimeout          ErrorCode = C.LC_ERROR_TIMEOUT
)

var errorCodeNames = map[ErrorCode]string{
	ErrorFailed:           "failed",
	ErrorInvalidArgument:  "invalid argument",
	ErrorInvalidReference: "invalid reference",
	ErrorNotFound:         "not found",
	ErrorAlreadyExists:    "already exists",
	ErrorIO:               "I/O error",
	ErrorNetwork:          "network error",
	ErrorTLS:              "TLS error",
	ErrorUnauthorized:     "unauthorized",
	ErrorDigestMismatch:   "digest mismatch",
	ErrorUnsupported:      "unsupported",
	ErrorCorruptStore:     "corrupt store",
	ErrorLocked:           "locked",
	ErrorCancelled:        "cancelled",
	ErrorPermissionDenied: "permission denied",
	ErrorRuntime:          "runtime error",
	ErrorInvalidData:      "invalid data",
	ErrorInvalidConfig:    "invalid configuration",
	ErrorPolicyDenied:     "denied by policy",
	ErrorTimeout:          "timeout",
}

// String names a code of the LC_ERROR domain.
func (c ErrorCode) String() string {
	if name, ok := errorCodeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("error code %d", int(c))
}

// Error is a failure reported by libcontainers (a GError in C).
type Error struct {
	Domain  string    // ErrorDomain, or another GLib error domain
	Code    ErrorCode // meaningful within Domain
	Message string    // what was wrong and where
}

func (e *Error) Error() string {
	return e.Message
}

// Is reports whether target is an *Error of the same domain and code, so
// that errors.Is(err, ErrNotFound) works; messages are not compared.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Domain == e.Domain && t.Code == e.Code
}

func sentinel(code ErrorCode) *Error {
	return &Error{Domain: ErrorDomain, Code: code, Message: code.String()}
}

// Sentinels for errors.Is, one per code of the LC_ERROR domain.
var (
	ErrFailed           = sentinel(ErrorFailed)
	ErrInvalidArgument  = sentinel(ErrorInvalidArgument)
	ErrInvalidReference = sentinel(ErrorInvalidReference)
	ErrNotFound         = sentinel(ErrorNotFound)
	ErrAlreadyExists    = sentinel(ErrorAlreadyExists)
	ErrIO               = sentinel(ErrorIO)
	ErrNetwork          = sentinel(ErrorNetwork)
	ErrTLS              = sentinel(ErrorTLS)
	ErrUnauthorized     = sentinel(ErrorUnauthorized)
	ErrDigestMismatch   = sentinel(ErrorDigestMismatch)
	ErrUnsupported      = sentinel(ErrorUnsupported)
	ErrCorruptStore     = sentinel(ErrorCorruptStore)
	ErrLocked           = sentinel(ErrorLocked)
	ErrCancelled        = sentinel(ErrorCancelled)
	ErrPermissionDenied = sentinel(ErrorPermissionDenied)
	ErrRuntime          = sentinel(ErrorRuntime)
	ErrInvalidData      = sentinel(ErrorInvalidData)
	ErrInvalidConfig    = sentinel(ErrorInvalidConfig)
	ErrPolicyDenied     = sentinel(ErrorPolicyDenied)
	ErrTimeout          = sentinel(ErrorTimeout)
)

// takeError converts a GError to an *Error and frees it; nil stays nil.
func takeError(gerr *C.GError) error {
	if gerr == nil {
		return nil
	}
	defer C.g_error_free(gerr)
	return &Error{
		Domain:  C.GoString(C.g_quark_to_string(gerr.domain)),
		Code:    ErrorCode(gerr.code),
		Message: C.GoString(gerr.message),
	}
}

// cString copies s for C; the caller frees it. A Go string may hold a NUL
// that C would silently cut at, so that is an error of the given code.
func cString(s, what string, code ErrorCode) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Domain: ErrorDomain, Code: code,
			Message: fmt.Sprintf("invalid %s %q: contains a NUL byte", what, s)}
	}
	return C.CString(s), nil
}
