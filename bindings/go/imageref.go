// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <stdlib.h>
#include <containers/containers.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ImageRef is a Docker-style image reference (LcImageRef): a domain, a
// repository path, and an optional tag and digest, following the grammar
// of distribution/reference.
//
// An ImageRef is immutable and may be shared between goroutines. It holds
// a C reference that a finalizer drops; Close drops it at once. Methods
// must not be called after Close, or at the same time as Close.
type ImageRef struct {
	ptr *C.LcImageRef
}

func wrapImageRef(p *C.LcImageRef) *ImageRef {
	r := &ImageRef{ptr: p}
	runtime.SetFinalizer(r, (*ImageRef).Close)
	return r
}

func (r *ImageRef) c() *C.LcImageRef {
	if r == nil || r.ptr == nil {
		panic("containers: use of a nil or closed ImageRef")
	}
	return r.ptr
}

// ParseImageRef parses and normalizes a reference as docker, podman and
// skopeo do: "busybox" is "docker.io/library/busybox". Errors match
// ErrInvalidReference.
func ParseImageRef(s string) (*ImageRef, error) {
	cs, err := cString(s, "reference", ErrorInvalidReference)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cs))
	var gerr *C.GError
	p := C.lc_image_ref_parse(cs, &gerr)
	if p == nil {
		return nil, takeError(gerr)
	}
	return wrapImageRef(p), nil
}

// Close drops the C reference now rather than at garbage collection. It
// may be called more than once.
func (r *ImageRef) Close() {
	if r == nil || r.ptr == nil {
		return
	}
	C.lc_image_ref_unref(r.ptr)
	r.ptr = nil
	runtime.SetFinalizer(r, nil)
}

// Free is Close.
func (r *ImageRef) Free() {
	r.Close()
}

func takeString(p *C.char) string {
	defer C.g_free(C.gpointer(unsafe.Pointer(p)))
	return C.GoString(p)
}

// String is the fully qualified form, "docker.io/library/busybox:latest";
// ":latest" is added only when there is neither a tag nor a digest.
func (r *ImageRef) String() string {
	s := takeString(C.lc_image_ref_to_string(r.c()))
	runtime.KeepAlive(r)
	return s
}

// FamiliarString is the short form people type, "busybox" or
// "someone/app:1"; no default tag is added.
func (r *ImageRef) FamiliarString() string {
	s := takeString(C.lc_image_ref_to_familiar_string(r.c()))
	runtime.KeepAlive(r)
	return s
}

// Domain is the registry, such as "docker.io" or "localhost:5000".
func (r *ImageRef) Domain() string {
	s := C.GoString(C.lc_image_ref_get_domain(r.c()))
	runtime.KeepAlive(r)
	return s
}

// Path is the repository within the domain, such as "library/busybox".
func (r *ImageRef) Path() string {
	s := C.GoString(C.lc_image_ref_get_path(r.c()))
	runtime.KeepAlive(r)
	return s
}

// Name is Domain and Path, such as "docker.io/library/busybox".
func (r *ImageRef) Name() string {
	s := C.GoString(C.lc_image_ref_get_name(r.c()))
	runtime.KeepAlive(r)
	return s
}

// Tag is the tag, and whether there is one.
func (r *ImageRef) Tag() (string, bool) {
	p := C.lc_image_ref_get_tag(r.c())
	defer runtime.KeepAlive(r)
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}

// Digest is the digest ("sha256:…"), and whether there is one.
func (r *ImageRef) Digest() (string, bool) {
	p := C.lc_image_ref_get_digest(r.c())
	defer runtime.KeepAlive(r)
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}

// WithTag is the same repository with tag instead of r's tag, keeping r's
// digest. An invalid tag gives an error matching ErrInvalidReference.
func (r *ImageRef) WithTag(tag string) (*ImageRef, error) {
	ct, err := cString(tag, "tag", ErrorInvalidReference)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(ct))
	var gerr *C.GError
	p := C.lc_image_ref_with_tag(r.c(), ct, &gerr)
	runtime.KeepAlive(r)
	if p == nil {
		return nil, takeError(gerr)
	}
	return wrapImageRef(p), nil
}

// WithDigest is the same repository with digest instead of r's digest,
// keeping r's tag. An invalid digest gives an error matching
// ErrInvalidReference.
func (r *ImageRef) WithDigest(digest string) (*ImageRef, error) {
	cd, err := cString(digest, "digest", ErrorInvalidReference)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cd))
	var gerr *C.GError
	p := C.lc_image_ref_with_digest(r.c(), cd, &gerr)
	runtime.KeepAlive(r)
	if p == nil {
		return nil, takeError(gerr)
	}
	return wrapImageRef(p), nil
}

// Equal reports whether r and other have the same domain, path, tag and
// digest. A missing tag is not the same as "latest".
func (r *ImageRef) Equal(other *ImageRef) bool {
	eq := C.lc_image_ref_equal(r.c(), other.c()) != 0
	runtime.KeepAlive(r)
	runtime.KeepAlive(other)
	return eq
}

// Hash is a hash that agrees with Equal.
func (r *ImageRef) Hash() uint32 {
	h := uint32(C.lc_image_ref_hash(r.c()))
	runtime.KeepAlive(r)
	return h
}
