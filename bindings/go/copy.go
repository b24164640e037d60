// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <stdint.h>
#include <stdlib.h>
#include <containers/containers.h>

// Defined in copy.c: lc_copy_image with lcGoProgress and a cgo.Handle.
gboolean lc_go_copy_image (LcContext *context, const char *source, const char *destination,
                           LcCopyOptions *options, uintptr_t handle, char **out_digest,
                           GCancellable *cancellable, GError **error);
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// ManifestFormat is the manifest format to write (skopeo's --format).
type ManifestFormat int

// The manifest formats (LcManifestFormat).
const (
	ManifestFormatAuto ManifestFormat = C.LC_MANIFEST_FORMAT_AUTO
	ManifestFormatOCI  ManifestFormat = C.LC_MANIFEST_FORMAT_OCI
	ManifestFormatV2S2 ManifestFormat = C.LC_MANIFEST_FORMAT_V2S2
)

// Compression is the layer compression at the destination
// (skopeo's --dest-compress-format).
type Compression int

// The compressions (LcCompression).
const (
	CompressionAuto Compression = C.LC_COMPRESSION_AUTO
	CompressionNone Compression = C.LC_COMPRESSION_NONE
	CompressionGzip Compression = C.LC_COMPRESSION_GZIP
	CompressionZstd Compression = C.LC_COMPRESSION_ZSTD
)

// CopyPhase is what a progress event reports (LcCopyPhase).
type CopyPhase int

// The phases of a blob's copy.
const (
	PhaseResolve  CopyPhase = C.LC_COPY_PHASE_RESOLVE
	PhaseDownload CopyPhase = C.LC_COPY_PHASE_DOWNLOAD
	PhaseVerify   CopyPhase = C.LC_COPY_PHASE_VERIFY
	PhaseWrite    CopyPhase = C.LC_COPY_PHASE_WRITE
	PhaseSkip     CopyPhase = C.LC_COPY_PHASE_SKIP
	PhaseDone     CopyPhase = C.LC_COPY_PHASE_DONE
)

// BlobKind says what a progress event is about (LcBlobKind).
type BlobKind int

// The kinds of blob.
const (
	BlobLayer    BlobKind = C.LC_BLOB_KIND_LAYER
	BlobConfig   BlobKind = C.LC_BLOB_KIND_CONFIG
	BlobManifest BlobKind = C.LC_BLOB_KIND_MANIFEST
)

// Progress is one progress event of a copy (a copy of LcProgress).
type Progress struct {
	Phase      CopyPhase
	Kind       BlobKind
	Digest     string
	BytesDone  uint64
	BytesTotal uint64
}

// CopyOptions are the settings of a copy (LcCopyOptions); the zero of every
// setting is skopeo's default. Configure it, then share it: calls only read
// it. A finalizer releases it; Close does so at once.
type CopyOptions struct {
	ptr *C.LcCopyOptions
}

// NewCopyOptions makes options with the defaults.
func NewCopyOptions() *CopyOptions {
	o := &CopyOptions{ptr: C.lc_copy_options_new()}
	runtime.SetFinalizer(o, (*CopyOptions).Close)
	return o
}

// Close releases the options now. It may be called more than once.
func (o *CopyOptions) Close() {
	if o == nil || o.ptr == nil {
		return
	}
	C.lc_copy_options_unref(o.ptr)
	o.ptr = nil
	runtime.SetFinalizer(o, nil)
}

func (o *CopyOptions) c() *C.LcCopyOptions {
	if o == nil {
		return nil
	}
	if o.ptr == nil {
		panic("containers: use of closed CopyOptions")
	}
	return o.ptr
}

func cBool(b bool) C.gboolean {
	if b {
		return C.TRUE
	}
	return C.FALSE
}

func (o *CopyOptions) setString(set func(*C.LcCopyOptions, *C.char), s string) {
	cs := optString(s)
	defer freeString(cs)
	set(o.c(), cs)
	runtime.KeepAlive(o)
}

// SetAll copies every instance of a list (skopeo's --all).
func (o *CopyOptions) SetAll(all bool) { C.lc_copy_options_set_all(o.c(), cBool(all)) }

// All tells whether every instance of a list is copied.
func (o *CopyOptions) All() bool { return C.lc_copy_options_get_all(o.c()) != 0 }

// SetFormat forces the manifest format written.
func (o *CopyOptions) SetFormat(f ManifestFormat) {
	C.lc_copy_options_set_format(o.c(), C.LcManifestFormat(f))
}

// Format is the manifest format written.
func (o *CopyOptions) Format() ManifestFormat {
	return ManifestFormat(C.lc_copy_options_get_format(o.c()))
}

// SetCompression sets the layer compression at the destination.
func (o *CopyOptions) SetCompression(c Compression) {
	C.lc_copy_options_set_compression(o.c(), C.LcCompression(c))
}

// Compression is the layer compression at the destination.
func (o *CopyOptions) Compression() Compression {
	return Compression(C.lc_copy_options_get_compression(o.c()))
}

// SetRemoveSignatures drops signatures (skopeo's --remove-signatures).
func (o *CopyOptions) SetRemoveSignatures(remove bool) {
	C.lc_copy_options_set_remove_signatures(o.c(), cBool(remove))
}

// SetSrcTLSVerify requires (or not) verified HTTPS for the source registry.
func (o *CopyOptions) SetSrcTLSVerify(verify bool) {
	C.lc_copy_options_set_src_tls_verify(o.c(), cBool(verify))
}

// SetDestTLSVerify requires (or not) verified HTTPS for the destination registry.
func (o *CopyOptions) SetDestTLSVerify(verify bool) {
	C.lc_copy_options_set_dest_tls_verify(o.c(), cBool(verify))
}

// SetSrcCreds sets "user:password" for the source registry ("" unsets).
func (o *CopyOptions) SetSrcCreds(creds string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_src_creds(p, s) }, creds)
}

// SetDestCreds sets "user:password" for the destination registry ("" unsets).
func (o *CopyOptions) SetDestCreds(creds string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_dest_creds(p, s) }, creds)
}

// SetSrcCertDir sets the certificate directory for the source registry.
func (o *CopyOptions) SetSrcCertDir(dir string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_src_cert_dir(p, s) }, dir)
}

// SetDestCertDir sets the certificate directory for the destination registry.
func (o *CopyOptions) SetDestCertDir(dir string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_dest_cert_dir(p, s) }, dir)
}

// SetSrcAuthFile reads source credentials only from this auth.json.
func (o *CopyOptions) SetSrcAuthFile(path string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_src_auth_file(p, s) }, path)
}

// SetDestAuthFile reads destination credentials only from this auth.json.
func (o *CopyOptions) SetDestAuthFile(path string) {
	o.setString(func(p *C.LcCopyOptions, s *C.char) { C.lc_copy_options_set_dest_auth_file(p, s) }, path)
}

// SetSrcNoCreds accesses the source registry anonymously.
func (o *CopyOptions) SetSrcNoCreds(noCreds bool) {
	C.lc_copy_options_set_src_no_creds(o.c(), cBool(noCreds))
}

// SetDestNoCreds accesses the destination registry anonymously.
func (o *CopyOptions) SetDestNoCreds(noCreds bool) {
	C.lc_copy_options_set_dest_no_creds(o.c(), cBool(noCreds))
}

// SetInsecurePolicy skips policy.json (skopeo's --insecure-policy).
func (o *CopyOptions) SetInsecurePolicy(insecure bool) {
	C.lc_copy_options_set_insecure_policy(o.c(), cBool(insecure))
}

// InsecurePolicy tells whether policy.json is skipped.
func (o *CopyOptions) InsecurePolicy() bool {
	return C.lc_copy_options_get_insecure_policy(o.c()) != 0
}

// SetRetryTimes sets how often a transient registry failure is retried.
func (o *CopyOptions) SetRetryTimes(n uint) { C.lc_copy_options_set_retry_times(o.c(), C.guint(n)) }

// SetStallTimeout sets the seconds without a byte before a transfer fails (0: 60).
func (o *CopyOptions) SetStallTimeout(seconds uint) {
	C.lc_copy_options_set_stall_timeout(o.c(), C.guint(seconds))
}

// SetMaxParallel sets how many layers are copied at once (0: 6).
func (o *CopyOptions) SetMaxParallel(n uint) { C.lc_copy_options_set_max_parallel(o.c(), C.guint(n)) }

// SetPlatform chooses the instance of a list ("" for the host's value).
func (o *CopyOptions) SetPlatform(os, arch, variant string) {
	cos, carch, cvar := optString(os), optString(arch), optString(variant)
	defer freeString(cos)
	defer freeString(carch)
	defer freeString(cvar)
	C.lc_copy_options_set_platform(o.c(), cos, carch, cvar)
	runtime.KeepAlive(o)
}

//export lcGoProgress
func lcGoProgress(p *C.LcProgress, handle C.uintptr_t) {
	fn, ok := cgo.Handle(handle).Value().(func(Progress))
	if !ok || fn == nil {
		return
	}
	fn(Progress{
		Phase:      CopyPhase(C.lc_progress_get_phase(p)),
		Kind:       BlobKind(C.lc_progress_get_kind(p)),
		Digest:     C.GoString(C.lc_progress_get_digest(p)),
		BytesDone:  uint64(C.lc_progress_get_bytes_done(p)),
		BytesTotal: uint64(C.lc_progress_get_bytes_total(p)),
	})
}

// cancellable makes a GCancellable that is cancelled when goCtx is done;
// release it with the returned function.
func cancellable(goCtx context.Context) (*C.GCancellable, func()) {
	if goCtx == nil || goCtx.Done() == nil {
		return nil, func() {}
	}
	c := C.g_cancellable_new()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-goCtx.Done():
			C.g_cancellable_cancel(c)
		case <-stop:
		}
	}()
	return c, func() {
		close(stop)
		<-done
		C.g_object_unref(C.gpointer(unsafe.Pointer(c)))
	}
}

// CopyImage copies an image like `skopeo copy`: src and dest are
// "TRANSPORT:REFERENCE" ("oci:/srv/layout:v1", "docker://quay.io/x/y:z",
// "dir:/tmp/img", ...). The source is checked against the context's
// policy.json first (see CopyOptions.SetInsecurePolicy). progress (may be
// nil) receives the events in the calling goroutine. It returns the digest
// of the manifest written. opts may be nil for the defaults.
func CopyImage(ctx *Context, src, dest string, opts *CopyOptions, progress func(Progress)) (string, error) {
	return CopyImageContext(context.Background(), ctx, src, dest, opts, progress)
}

// CopyImageContext is CopyImage, cancelled when goCtx is done (the error is
// then ErrCancelled or a GIO "cancelled" error).
func CopyImageContext(goCtx context.Context, ctx *Context, src, dest string, opts *CopyOptions,
	progress func(Progress)) (string, error) {
	csrc, err := cString(src, "image name", ErrorInvalidReference)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(csrc))
	cdest, err := cString(dest, "image name", ErrorInvalidReference)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cdest))
	var h cgo.Handle
	if progress != nil {
		h = cgo.NewHandle(progress)
		defer h.Delete()
	}
	canc, release := cancellable(goCtx)
	defer release()
	var digest *C.char
	var gerr *C.GError
	ok := C.lc_go_copy_image(ctx.c(), csrc, cdest, opts.c(), C.uintptr_t(h), &digest, canc, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if ok == 0 {
		return "", takeError(gerr)
	}
	return takeString(digest), nil
}

// InspectImage returns what `skopeo inspect` prints for image, as JSON.
func InspectImage(ctx *Context, image string, opts *CopyOptions) (string, error) {
	cimage, err := cString(image, "image name", ErrorInvalidReference)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cimage))
	var gerr *C.GError
	s := C.lc_inspect_image(ctx.c(), cimage, opts.c(), nil, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if s == nil {
		return "", takeError(gerr)
	}
	return takeString(s), nil
}

func takeBytes(b *C.GBytes) []byte {
	defer C.g_bytes_unref(b)
	var n C.gsize
	p := C.g_bytes_get_data(b, &n)
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// InspectManifest returns the raw manifest of image (instanceDigest "" for
// the top-level one) and its media type (`skopeo inspect --raw`).
func InspectManifest(ctx *Context, image, instanceDigest string, opts *CopyOptions) ([]byte, string, error) {
	cimage, err := cString(image, "image name", ErrorInvalidReference)
	if err != nil {
		return nil, "", err
	}
	defer C.free(unsafe.Pointer(cimage))
	cinst := optString(instanceDigest)
	defer freeString(cinst)
	var mt *C.char
	var gerr *C.GError
	b := C.lc_inspect_manifest(ctx.c(), cimage, cinst, opts.c(), &mt, nil, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if b == nil {
		return nil, "", takeError(gerr)
	}
	return takeBytes(b), takeString(mt), nil
}

// InspectConfig returns the raw config of image (`skopeo inspect --config --raw`).
func InspectConfig(ctx *Context, image string, opts *CopyOptions) ([]byte, error) {
	cimage, err := cString(image, "image name", ErrorInvalidReference)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cimage))
	var gerr *C.GError
	b := C.lc_inspect_config(ctx.c(), cimage, opts.c(), nil, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if b == nil {
		return nil, takeError(gerr)
	}
	return takeBytes(b), nil
}
