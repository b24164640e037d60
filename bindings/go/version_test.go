// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"fmt"
	"testing"
)

func TestVersionIsMajorMinorMicro(t *testing.T) {
	want := fmt.Sprintf("%d.%d.%d", MajorVersion(), MinorVersion(), MicroVersion())
	if Version() != want {
		t.Errorf("Version() = %q, want %q", Version(), want)
	}
	if MajorVersion() != 1 {
		t.Errorf("MajorVersion() = %d", MajorVersion())
	}
}
