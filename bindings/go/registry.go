// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

/*
#include <stdlib.h>
#include <containers/containers.h>
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// RegistryOptions are the settings of a registry call (LcRegistryOptions):
// TLS, certificates, credentials, retries. A finalizer releases them; Close
// does so at once. nil means the defaults everywhere.
type RegistryOptions struct {
	ptr *C.LcRegistryOptions
}

// NewRegistryOptions makes options with the defaults.
func NewRegistryOptions() *RegistryOptions {
	o := &RegistryOptions{ptr: C.lc_registry_options_new()}
	runtime.SetFinalizer(o, (*RegistryOptions).Close)
	return o
}

// Close releases the options now. It may be called more than once.
func (o *RegistryOptions) Close() {
	if o == nil || o.ptr == nil {
		return
	}
	C.lc_registry_options_unref(o.ptr)
	o.ptr = nil
	runtime.SetFinalizer(o, nil)
}

func (o *RegistryOptions) c() *C.LcRegistryOptions {
	if o == nil {
		return nil
	}
	if o.ptr == nil {
		panic("containers: use of closed RegistryOptions")
	}
	return o.ptr
}

// SetTLSVerify requires (or not) HTTPS with verified certificates.
func (o *RegistryOptions) SetTLSVerify(verify bool) {
	C.lc_registry_options_set_tls_verify(o.c(), cBool(verify))
}

// SetCertDir uses the certificates in dir instead of certs.d.
func (o *RegistryOptions) SetCertDir(dir string) {
	cs := optString(dir)
	defer freeString(cs)
	C.lc_registry_options_set_cert_dir(o.c(), cs)
	runtime.KeepAlive(o)
}

// SetAuthFile reads (and login/logout write) only this auth.json.
func (o *RegistryOptions) SetAuthFile(path string) {
	cs := optString(path)
	defer freeString(cs)
	C.lc_registry_options_set_auth_file(o.c(), cs)
	runtime.KeepAlive(o)
}

// SetCredentials uses these credentials instead of auth.json.
func (o *RegistryOptions) SetCredentials(username, password string) {
	cu, cp := optString(username), C.CString(password)
	defer freeString(cu)
	defer C.free(unsafe.Pointer(cp))
	C.lc_registry_options_set_credentials(o.c(), cu, cp)
	runtime.KeepAlive(o)
}

// SetRetryTimes sets how often a transient failure is retried.
func (o *RegistryOptions) SetRetryTimes(n uint) {
	C.lc_registry_options_set_retry_times(o.c(), C.guint(n))
}

// SetStallTimeout sets the seconds without a byte before a request fails.
func (o *RegistryOptions) SetStallTimeout(seconds uint) {
	C.lc_registry_options_set_stall_timeout(o.c(), C.guint(seconds))
}

// ListTags lists the tags of a repository ("registry.example/ns/repo"),
// following pagination, like `skopeo list-tags`.
func ListTags(goCtx context.Context, ctx *Context, repository string, opts *RegistryOptions) ([]string, error) {
	ref, err := ParseImageRef(repository)
	if err != nil {
		return nil, err
	}
	canc, release := cancellable(goCtx)
	defer release()
	var gerr *C.GError
	tags := C.lc_registry_list_tags(ctx.c(), ref.c(), opts.c(), canc, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(ref)
	runtime.KeepAlive(opts)
	if tags == nil {
		return nil, takeError(gerr)
	}
	defer C.g_strfreev(tags)
	var out []string
	for p := tags; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		out = append(out, C.GoString(*p))
	}
	return out, nil
}

// Login checks the credentials against registry ("host[:port]") and stores
// them in auth.json, like `skopeo login`.
func Login(goCtx context.Context, ctx *Context, registry, username, password string, opts *RegistryOptions) error {
	creg, err := cString(registry, "registry", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(creg))
	cu, err := cString(username, "user name", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cu))
	cp, err := cString(password, "password", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cp))
	canc, release := cancellable(goCtx)
	defer release()
	var gerr *C.GError
	ok := C.lc_registry_login(ctx.c(), creg, cu, cp, opts.c(), canc, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}

// Logout removes the credentials of registry from auth.json.
func Logout(ctx *Context, registry string, opts *RegistryOptions) error {
	creg, err := cString(registry, "registry", ErrorInvalidArgument)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(creg))
	var gerr *C.GError
	ok := C.lc_registry_logout(ctx.c(), creg, opts.c(), &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}

// LoginUser is the user name stored for registry, or an ErrNotFound error.
func LoginUser(ctx *Context, registry string, opts *RegistryOptions) (string, error) {
	creg, err := cString(registry, "registry", ErrorInvalidArgument)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(creg))
	var gerr *C.GError
	s := C.lc_registry_get_login(ctx.c(), creg, opts.c(), &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if s == nil {
		return "", takeError(gerr)
	}
	return takeString(s), nil
}

// DeleteImage deletes the manifest ref names (by digest: every tag that
// points at it goes too), like `skopeo delete`.
func DeleteImage(goCtx context.Context, ctx *Context, ref string, opts *RegistryOptions) error {
	r, err := ParseImageRef(ref)
	if err != nil {
		return err
	}
	canc, release := cancellable(goCtx)
	defer release()
	var gerr *C.GError
	ok := C.lc_registry_delete_image(ctx.c(), r.c(), opts.c(), canc, &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(r)
	runtime.KeepAlive(opts)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}

// LogoutAll removes every credential from the auth file.
func LogoutAll(ctx *Context, opts *RegistryOptions) error {
	var gerr *C.GError
	ok := C.lc_registry_logout_all(ctx.c(), opts.c(), &gerr)
	runtime.KeepAlive(ctx)
	runtime.KeepAlive(opts)
	if ok == 0 {
		return takeError(gerr)
	}
	return nil
}
