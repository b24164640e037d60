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

// goBytes copies a GBytes into Go memory and drops the reference.
func goBytes(b *C.GBytes) []byte {
	defer C.g_bytes_unref(b)
	var size C.gsize
	p := C.g_bytes_get_data(b, &size)
	if p == nil || size == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(size))
}

// cBytes copies data into a new GBytes (the caller unrefs it).
func cBytes(data []byte) *C.GBytes {
	if len(data) == 0 {
		return C.g_bytes_new(nil, 0)
	}
	return C.g_bytes_new(C.gconstpointer(unsafe.Pointer(&data[0])), C.gsize(len(data)))
}

// MountLayer mounts a layer (or counts one more user; readOnly for a
// layer images use) and returns the mount point.
func (s *Store) MountLayer(id string, readOnly bool) (string, error) {
	var gerr *C.GError
	var p *C.char
	var ro C.gboolean
	if readOnly {
		ro = 1
	}
	if err := withString(id, "layer ID", false, func(cs *C.char) { p = C.lc_store_mount_layer(s.c(), cs, ro, nil, &gerr) }); err != nil {
		return "", err
	}
	runtime.KeepAlive(s)
	if p == nil {
		return "", takeError(gerr)
	}
	return takeString(p), nil
}

// UnmountLayer counts one user less, unmounting at zero (or at once with
// force).
func (s *Store) UnmountLayer(id string, force bool) error {
	var f C.gboolean
	if force {
		f = 1
	}
	return s.call1(id, func(a *C.char, e **C.GError) C.gboolean { return C.lc_store_unmount_layer(s.c(), a, f, nil, e) })
}

// ExportLayerFile writes a layer's diff, as the uncompressed tar stream it
// was applied from, to a new file at path.
func (s *Store) ExportLayerFile(id, path string) error {
	cpath, err := cString(path, "path", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer freeString(cpath)
	var gerr *C.GError
	gfile := C.g_file_new_for_path(cpath)
	defer C.g_object_unref(C.gpointer(gfile))
	out := C.g_file_replace(gfile, nil, 0, C.G_FILE_CREATE_REPLACE_DESTINATION, nil, &gerr)
	if out == nil {
		return takeError(gerr)
	}
	defer C.g_object_unref(C.gpointer(out))
	stream := (*C.GOutputStream)(unsafe.Pointer(out))
	var ok C.gboolean
	if err := withString(id, "layer ID", false, func(cs *C.char) { ok = C.lc_store_export_layer(s.c(), cs, stream, nil, &gerr) }); err != nil {
		return err
	}
	runtime.KeepAlive(s)
	if ok == 0 {
		return takeError(gerr)
	}
	if C.g_output_stream_close(stream, nil, &gerr) == 0 {
		return takeError(gerr)
	}
	return nil
}

// ImageBigData reads an image's big-data item (such as "manifest").
func (s *Store) ImageBigData(id, key string) ([]byte, error) {
	var b *C.GBytes
	err := s.call2(id, key, func(a, k *C.char, e **C.GError) C.gboolean {
		b = C.lc_store_get_image_big_data(s.c(), a, k, nil, e)
		if b == nil {
			return 0
		}
		return 1
	})
	if err != nil {
		return nil, err
	}
	return goBytes(b), nil
}

// SetImageBigData stores an image's big-data item; digest "" means the
// sha256 of data.
func (s *Store) SetImageBigData(id, key string, data []byte, digest string) error {
	b := cBytes(data)
	defer C.g_bytes_unref(b)
	cdigest := optString(digest)
	defer freeString(cdigest)
	return s.call2(id, key, func(a, k *C.char, e **C.GError) C.gboolean {
		return C.lc_store_set_image_big_data(s.c(), a, k, b, cdigest, nil, e)
	})
}

// ContainerBigData reads a container's big-data item.
func (s *Store) ContainerBigData(id, key string) ([]byte, error) {
	var b *C.GBytes
	err := s.call2(id, key, func(a, k *C.char, e **C.GError) C.gboolean {
		b = C.lc_store_get_container_big_data(s.c(), a, k, nil, e)
		if b == nil {
			return 0
		}
		return 1
	})
	if err != nil {
		return nil, err
	}
	return goBytes(b), nil
}

// SetContainerBigData stores a container's big-data item.
func (s *Store) SetContainerBigData(id, key string, data []byte) error {
	b := cBytes(data)
	defer C.g_bytes_unref(b)
	return s.call2(id, key, func(a, k *C.char, e **C.GError) C.gboolean {
		return C.lc_store_set_container_big_data(s.c(), a, k, b, nil, e)
	})
}
