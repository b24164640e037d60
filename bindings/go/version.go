// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <containers/containers.h>
*/
import "C"

// Version is the version of the libcontainers library loaded, "1.0.0".
func Version() string {
	return C.GoString(C.lc_version())
}

// MajorVersion is the major version of the library loaded.
func MajorVersion() uint {
	return uint(C.lc_get_major_version())
}

// MinorVersion is the minor version of the library loaded.
func MinorVersion() uint {
	return uint(C.lc_get_minor_version())
}

// MicroVersion is the micro version of the library loaded.
func MicroVersion() uint {
	return uint(C.lc_get_micro_version())
}
