// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodesMirrorLcError(t *testing.T) {
	codes := []ErrorCode{ErrorFailed, ErrorInvalidArgument, ErrorInvalidReference, ErrorNotFound,
		ErrorAlreadyExists, ErrorIO, ErrorNetwork, ErrorTLS, ErrorUnauthorized,
		ErrorDigestMismatch, ErrorUnsupported, ErrorCorruptStore, ErrorLocked, ErrorCancelled,
		ErrorPermissionDenied, ErrorRuntime, ErrorInvalidData, ErrorInvalidConfig,
		ErrorPolicyDenied, ErrorTimeout}
	for i, c := range codes {
		if int(c) != i {
			t.Errorf("code %v is %d, want %d", c, int(c), i)
		}
	}
}

func TestErrorIsMatchesDomainAndCodeNotMessage(t *testing.T) {
	err := fmt.Errorf("pulling: %w", &Error{Domain: ErrorDomain, Code: ErrorNotFound, Message: "no such image"})
	if !errors.Is(err, ErrNotFound) {
		t.Error("wrapped not-found does not match ErrNotFound")
	}
	if errors.Is(err, ErrInvalidReference) {
		t.Error("not-found matches ErrInvalidReference")
	}
	other := &Error{Domain: "g-io-error-quark", Code: ErrorNotFound, Message: "x"}
	if errors.Is(other, ErrNotFound) {
		t.Error("another domain matches")
	}
	if err.Error() != "pulling: no such image" {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestErrorCodeStringNamesTheCode(t *testing.T) {
	if ErrorInvalidReference.String() != "invalid reference" {
		t.Errorf("%q", ErrorInvalidReference.String())
	}
	if ErrorCode(1000).String() != "error code 1000" {
		t.Errorf("%q", ErrorCode(1000).String())
	}
}
