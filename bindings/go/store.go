// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <stdlib.h>
#include <containers/containers.h>

static const char *lc_go_ptr_array_get (GPtrArray *a, guint i) { return (const char *) g_ptr_array_index (a, i); }
static gpointer lc_go_ptr_array_item (GPtrArray *a, guint i) { return g_ptr_array_index (a, i); }
static const char *lc_go_strv_get (const char * const *v, int i) { return v[i]; }
static const char **lc_go_strv_new (int n) { return g_new0 (const char *, n + 1); }
static void lc_go_strv_set (const char **v, int i, const char *s) { v[i] = s; }
*/
import "C"

import (
	"os"
	"runtime"
	"unsafe"
)

// StoreOptions says which store OpenStore opens where it differs from
// storage.conf (LcStoreOptions): like podman's --root, --runroot,
// --storage-driver and --storage-opt. Empty fields come from storage.conf.
type StoreOptions struct {
	GraphRoot     string
	RunRoot       string
	Driver        string   // "overlay" or "vfs"
	DriverOptions []string // "overlay.mountopt=nodev", ...
}

// Store is a containers/storage store (LcStore), shared on disk with
// podman, buildah, skopeo and CRI-O through the same files and locks.
// Use a Store from one goroutine at a time; separate Stores on the same
// directories may be used at once (the file locks serialize them).
type Store struct {
	ptr *C.LcStore
}

// Layer is a snapshot of a layer record.
type Layer struct {
	ID               string
	Parent           string // "" for a base layer
	Created          string // RFC 3339
	DiffDigest       string // DiffID; "" for container layers
	DiffSize         int64  // -1 when unknown
	CompressedDigest string
	CompressedSize   int64
}

// Image is a snapshot of an image record.
type Image struct {
	ID           string
	Names        []string
	NamesHistory []string
	Digest       string
	TopLayer     string
	Created      string
	Metadata     string
	BigDataNames []string
	Size         int64
}

// StorageContainer is a snapshot of a container record of the store
// (containers.json): a read-write layer on an image.
type StorageContainer struct {
	ID           string
	Names        []string
	ImageID      string // "" for a container from scratch
	LayerID      string
	Metadata     string
	Created      string
	BigDataNames []string
}

// CheckFlags says what Store.Check does (LcStoreCheckFlags).
type CheckFlags int

const (
	CheckDigests CheckFlags = C.LC_STORE_CHECK_DIGESTS // rebuild layers and compare their DiffIDs
	CheckRepair  CheckFlags = C.LC_STORE_CHECK_REPAIR  // remove what is broken
)

// OpenStore opens (creating its directories) the store storage.conf
// describes, with opts (may be nil) winning over it. Layers a crashed
// writer left incomplete are removed, as podman does.
func OpenStore(ctx *Context, opts *StoreOptions) (*Store, error) {
	o := C.lc_store_options_new()
	defer C.lc_store_options_unref(o)
	if opts != nil {
		for _, kv := range []struct {
			v   string
			set func(*C.LcStoreOptions, *C.char)
		}{
			{opts.GraphRoot, func(o *C.LcStoreOptions, s *C.char) { C.lc_store_options_set_graph_root(o, s) }},
			{opts.RunRoot, func(o *C.LcStoreOptions, s *C.char) { C.lc_store_options_set_run_root(o, s) }},
			{opts.Driver, func(o *C.LcStoreOptions, s *C.char) { C.lc_store_options_set_driver(o, s) }},
		} {
			cs := optString(kv.v)
			kv.set(o, cs)
			freeString(cs)
		}
		for _, d := range opts.DriverOptions {
			cs, err := cString(d, "driver option", ErrorInvalidArgument)
			if err != nil {
				return nil, err
			}
			C.lc_store_options_add_driver_option(o, cs)
			freeString(cs)
		}
	}
	var gerr *C.GError
	p := C.lc_store_open(ctx.c(), o, nil, &gerr)
	runtime.KeepAlive(ctx)
	if p == nil {
		return nil, takeError(gerr)
	}
	s := &Store{ptr: p}
	runtime.SetFinalizer(s, (*Store).Close)
	return s, nil
}

func (s *Store) c() *C.LcStore {
	if s == nil || s.ptr == nil {
		panic("containers: use of a nil or closed Store")
	}
	return s.ptr
}

// Close releases the store now rather than at garbage collection. It may
// be called more than once.
func (s *Store) Close() {
	if s == nil || s.ptr == nil {
		return
	}
	C.g_object_unref(C.gpointer(unsafe.Pointer(s.ptr)))
	s.ptr = nil
	runtime.SetFinalizer(s, nil)
}

// GraphRoot is the persistent root directory.
func (s *Store) GraphRoot() string {
	v := C.GoString(C.lc_store_get_graph_root(s.c()))
	runtime.KeepAlive(s)
	return v
}

// RunRoot is the volatile root directory.
func (s *Store) RunRoot() string {
	v := C.GoString(C.lc_store_get_run_root(s.c()))
	runtime.KeepAlive(s)
	return v
}

// DriverName is the graph driver in use: "overlay" or "vfs".
func (s *Store) DriverName() string {
	v := C.GoString(C.lc_store_get_driver_name(s.c()))
	runtime.KeepAlive(s)
	return v
}

func goStrv(v **C.char) []string {
	out := []string{}
	if v == nil {
		return out
	}
	for i := 0; ; i++ {
		p := C.lc_go_strv_get((**C.char)(unsafe.Pointer(v)), C.int(i))
		if p == nil {
			return out
		}
		out = append(out, C.GoString(p))
	}
}

func layerFromC(l *C.LcLayer) Layer {
	return Layer{
		ID:               C.GoString(C.lc_layer_get_id(l)),
		Parent:           C.GoString(C.lc_layer_get_parent(l)),
		Created:          C.GoString(C.lc_layer_get_created(l)),
		DiffDigest:       C.GoString(C.lc_layer_get_diff_digest(l)),
		DiffSize:         int64(C.lc_layer_get_diff_size(l)),
		CompressedDigest: C.GoString(C.lc_layer_get_compressed_digest(l)),
		CompressedSize:   int64(C.lc_layer_get_compressed_size(l)),
	}
}

func imageFromC(i *C.LcImage) Image {
	return Image{
		ID:           C.GoString(C.lc_image_get_id(i)),
		Names:        goStrv((**C.char)(unsafe.Pointer(C.lc_image_get_names(i)))),
		NamesHistory: goStrv((**C.char)(unsafe.Pointer(C.lc_image_get_names_history(i)))),
		Digest:       C.GoString(C.lc_image_get_digest(i)),
		TopLayer:     C.GoString(C.lc_image_get_top_layer(i)),
		Created:      C.GoString(C.lc_image_get_created(i)),
		Metadata:     C.GoString(C.lc_image_get_metadata(i)),
		BigDataNames: goStrv((**C.char)(unsafe.Pointer(C.lc_image_get_big_data_names(i)))),
		Size:         int64(C.lc_image_get_size(i)),
	}
}

func containerFromC(c *C.LcStorageContainer) StorageContainer {
	return StorageContainer{
		ID:           C.GoString(C.lc_storage_container_get_id(c)),
		Names:        goStrv((**C.char)(unsafe.Pointer(C.lc_storage_container_get_names(c)))),
		ImageID:      C.GoString(C.lc_storage_container_get_image_id(c)),
		LayerID:      C.GoString(C.lc_storage_container_get_layer_id(c)),
		Metadata:     C.GoString(C.lc_storage_container_get_metadata(c)),
		Created:      C.GoString(C.lc_storage_container_get_created(c)),
		BigDataNames: goStrv((**C.char)(unsafe.Pointer(C.lc_storage_container_get_big_data_names(c)))),
	}
}

// withString calls f with s as a C string (NULL for "" when optional).
func withString(s, what string, optional bool, f func(*C.char)) error {
	if optional && s == "" {
		f(nil)
		return nil
	}
	cs, err := cString(s, what, ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer freeString(cs)
	f(cs)
	return nil
}

// ListLayers lists the layers, in creation order.
func (s *Store) ListLayers() ([]Layer, error) {
	var gerr *C.GError
	a := C.lc_store_list_layers(s.c(), nil, &gerr)
	runtime.KeepAlive(s)
	if a == nil {
		return nil, takeError(gerr)
	}
	defer C.g_ptr_array_unref(a)
	out := make([]Layer, 0, int(a.len))
	for i := C.guint(0); i < a.len; i++ {
		out = append(out, layerFromC((*C.LcLayer)(C.lc_go_ptr_array_item(a, i))))
	}
	return out, nil
}

// LookupLayer finds a layer by ID, unique ID prefix or name.
func (s *Store) LookupLayer(id string) (*Layer, error) {
	var gerr *C.GError
	var l *C.LcLayer
	if err := withString(id, "layer ID", false, func(cs *C.char) { l = C.lc_store_lookup_layer(s.c(), cs, nil, &gerr) }); err != nil {
		return nil, err
	}
	runtime.KeepAlive(s)
	if l == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_layer_unref(l)
	v := layerFromC(l)
	return &v, nil
}

// ApplyLayerFile makes a layer over parent ("" for a base layer) from a
// layer blob in a file (a tar stream, gzip- or zstd-compressed or not).
// compressedDigest, if not "", is recorded as the blob's digest.
func (s *Store) ApplyLayerFile(parent, path, compressedDigest string) (*Layer, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	var gerr *C.GError
	var l *C.LcLayer
	cpath, err := cString(path, "path", ErrorInvalidArgument)
	if err != nil {
		return nil, err
	}
	defer freeString(cpath)
	gfile := C.g_file_new_for_path(cpath)
	defer C.g_object_unref(C.gpointer(gfile))
	in := C.g_file_read(gfile, nil, &gerr)
	if in == nil {
		return nil, takeError(gerr)
	}
	defer C.g_object_unref(C.gpointer(in))
	cparent, cdigest := optString(parent), optString(compressedDigest)
	defer freeString(cparent)
	defer freeString(cdigest)
	l = C.lc_store_apply_layer(s.c(), cparent, (*C.GInputStream)(unsafe.Pointer(in)), cdigest, nil, &gerr)
	runtime.KeepAlive(s)
	if l == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_layer_unref(l)
	v := layerFromC(l)
	return &v, nil
}

// DeleteLayer deletes a layer no layer, image or container uses
// (ErrLocked otherwise).
func (s *Store) DeleteLayer(id string) error {
	var gerr *C.GError
	var ok C.gboolean
	if err := withString(id, "layer ID", false, func(cs *C.char) { ok = C.lc_store_delete_layer(s.c(), cs, nil, &gerr) }); err != nil {
		return err
	}
	runtime.KeepAlive(s)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}

// ListImages lists the images, in the order of images.json.
func (s *Store) ListImages() ([]Image, error) {
	var gerr *C.GError
	a := C.lc_store_list_images(s.c(), nil, &gerr)
	runtime.KeepAlive(s)
	if a == nil {
		return nil, takeError(gerr)
	}
	defer C.g_ptr_array_unref(a)
	out := make([]Image, 0, int(a.len))
	for i := C.guint(0); i < a.len; i++ {
		out = append(out, imageFromC((*C.LcImage)(C.lc_go_ptr_array_item(a, i))))
	}
	return out, nil
}

// LookupImage finds an image by ID, unique ID prefix, manifest digest,
// full name or short name ("busybox" matches any registry).
func (s *Store) LookupImage(name string) (*Image, error) {
	var gerr *C.GError
	var i *C.LcImage
	if err := withString(name, "image name", false, func(cs *C.char) { i = C.lc_store_lookup_image(s.c(), cs, nil, &gerr) }); err != nil {
		return nil, err
	}
	runtime.KeepAlive(s)
	if i == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_image_unref(i)
	v := imageFromC(i)
	return &v, nil
}

func cStrv(list []string) (**C.char, func(), error) {
	if len(list) == 0 {
		return nil, func() {}, nil
	}
	v := C.lc_go_strv_new(C.int(len(list)))
	free := func() {
		for i := range list {
			freeString(C.lc_go_strv_get((**C.char)(unsafe.Pointer(v)), C.int(i)))
		}
		C.g_free(C.gpointer(unsafe.Pointer(v)))
	}
	for i, s := range list {
		cs, err := cString(s, "name", ErrorInvalidArgument)
		if err != nil {
			free()
			return nil, nil, err
		}
		C.lc_go_strv_set(v, C.int(i), cs)
	}
	return (**C.char)(unsafe.Pointer(v)), free, nil
}

// CreateImage records an image (id "" for a random one) on topLayer
// ("" for none) with names; created "" means now.
func (s *Store) CreateImage(id, topLayer string, names []string, created, metadata string) (*Image, error) {
	cnames, free, err := cStrv(names)
	if err != nil {
		return nil, err
	}
	defer free()
	cid, ctop, ccreated, cmeta := optString(id), optString(topLayer), optString(created), optString(metadata)
	defer freeString(cid)
	defer freeString(ctop)
	defer freeString(ccreated)
	defer freeString(cmeta)
	var gerr *C.GError
	i := C.lc_store_create_image(s.c(), cid, ctop, cnames, ccreated, cmeta, nil, &gerr)
	runtime.KeepAlive(s)
	if i == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_image_unref(i)
	v := imageFromC(i)
	return &v, nil
}

func (s *Store) call2(a, b string, f func(*C.char, *C.char, **C.GError) C.gboolean) error {
	ca, err := cString(a, "argument", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer freeString(ca)
	cb, err := cString(b, "argument", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer freeString(cb)
	var gerr *C.GError
	ok := f(ca, cb, &gerr)
	runtime.KeepAlive(s)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}

func (s *Store) call1(a string, f func(*C.char, **C.GError) C.gboolean) error {
	return s.call2(a, "", func(ca, _ *C.char, gerr **C.GError) C.gboolean { return f(ca, gerr) })
}

// AddImageName tags an image (the name is taken from any other image).
func (s *Store) AddImageName(id, name string) error {
	return s.call2(id, name, func(a, b *C.char, e **C.GError) C.gboolean { return C.lc_store_add_image_name(s.c(), a, b, nil, e) })
}

// RemoveImageName untags an image.
func (s *Store) RemoveImageName(id, name string) error {
	return s.call2(id, name, func(a, b *C.char, e **C.GError) C.gboolean { return C.lc_store_remove_image_name(s.c(), a, b, nil, e) })
}

// DeleteImage deletes an image and the layers nothing else uses;
// ErrLocked when a container uses it.
func (s *Store) DeleteImage(id string) error {
	return s.call1(id, func(a *C.char, e **C.GError) C.gboolean { return C.lc_store_delete_image(s.c(), a, nil, e) })
}

// ListContainers lists the container records (ours, podman's, buildah's).
func (s *Store) ListContainers() ([]StorageContainer, error) {
	var gerr *C.GError
	a := C.lc_store_list_containers(s.c(), nil, &gerr)
	runtime.KeepAlive(s)
	if a == nil {
		return nil, takeError(gerr)
	}
	defer C.g_ptr_array_unref(a)
	out := make([]StorageContainer, 0, int(a.len))
	for i := C.guint(0); i < a.len; i++ {
		out = append(out, containerFromC((*C.LcStorageContainer)(C.lc_go_ptr_array_item(a, i))))
	}
	return out, nil
}

// LookupContainer finds a container by ID, unique ID prefix or name.
func (s *Store) LookupContainer(id string) (*StorageContainer, error) {
	var gerr *C.GError
	var c *C.LcStorageContainer
	if err := withString(id, "container ID", false, func(cs *C.char) { c = C.lc_store_lookup_container(s.c(), cs, nil, &gerr) }); err != nil {
		return nil, err
	}
	runtime.KeepAlive(s)
	if c == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_storage_container_unref(c)
	v := containerFromC(c)
	return &v, nil
}

// CreateContainer makes a container record with a new read-write layer
// on image's top layer (image "" for a container from scratch); id ""
// means a random ID.
func (s *Store) CreateContainer(id string, names []string, image, metadata string) (*StorageContainer, error) {
	cnames, free, err := cStrv(names)
	if err != nil {
		return nil, err
	}
	defer free()
	cid, cimage, cmeta := optString(id), optString(image), optString(metadata)
	defer freeString(cid)
	defer freeString(cimage)
	defer freeString(cmeta)
	var gerr *C.GError
	c := C.lc_store_create_container(s.c(), cid, cnames, cimage, cmeta, nil, &gerr)
	runtime.KeepAlive(s)
	if c == nil {
		return nil, takeError(gerr)
	}
	defer C.lc_storage_container_unref(c)
	v := containerFromC(c)
	return &v, nil
}

// DeleteContainer deletes a container record, its layer and directories.
func (s *Store) DeleteContainer(id string) error {
	return s.call1(id, func(a *C.char, e **C.GError) C.gboolean { return C.lc_store_delete_container(s.c(), a, nil, e) })
}

// MountContainer mounts the container's layer (or counts one more user)
// and returns the mount point.
func (s *Store) MountContainer(id string) (string, error) {
	var gerr *C.GError
	var p *C.char
	if err := withString(id, "container ID", false, func(cs *C.char) { p = C.lc_store_mount_container(s.c(), cs, nil, &gerr) }); err != nil {
		return "", err
	}
	runtime.KeepAlive(s)
	if p == nil {
		return "", takeError(gerr)
	}
	return takeString(p), nil
}

// UnmountContainer counts one user less, unmounting at zero (or at once
// with force).
func (s *Store) UnmountContainer(id string, force bool) error {
	var f C.gboolean
	if force {
		f = 1
	}
	return s.call1(id, func(a *C.char, e **C.GError) C.gboolean { return C.lc_store_unmount_container(s.c(), a, f, nil, e) })
}

// ContainerDirectory is the container's userdata directory in the graph
// root, or in the run root with run, created if missing.
func (s *Store) ContainerDirectory(id string, run bool) (string, error) {
	var gerr *C.GError
	var p *C.char
	var r C.gboolean
	if run {
		r = 1
	}
	if err := withString(id, "container ID", false, func(cs *C.char) { p = C.lc_store_dup_container_directory(s.c(), cs, r, nil, &gerr) }); err != nil {
		return "", err
	}
	runtime.KeepAlive(s)
	if p == nil {
		return "", takeError(gerr)
	}
	return takeString(p), nil
}

// Check looks for inconsistencies (and removes what is broken with
// CheckRepair); it returns one message per problem found.
func (s *Store) Check(flags CheckFlags) ([]string, error) {
	var gerr *C.GError
	a := C.lc_store_check(s.c(), C.LcStoreCheckFlags(flags), nil, &gerr)
	runtime.KeepAlive(s)
	if a == nil {
		return nil, takeError(gerr)
	}
	defer C.g_ptr_array_unref(a)
	out := make([]string, 0, int(a.len))
	for i := C.guint(0); i < a.len; i++ {
		out = append(out, C.GoString(C.lc_go_ptr_array_get(a, i)))
	}
	return out, nil
}
