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

// Context is the system configuration every other call takes (LcContext):
// where registries.conf, policy.json, auth.json, certs.d, storage.conf and
// containers.conf are, the User-Agent, and whether to use rootless
// defaults. A new Context reads the environment variables the Go tools
// honour (CONTAINERS_REGISTRIES_CONF, REGISTRY_AUTH_FILE, ...); an explicit
// setting wins over them.
//
// Configure a Context from one goroutine, then share it: once configured,
// calls only read it. A finalizer releases it; Close does so at once.
type Context struct {
	ptr *C.LcContext
}

// NewContext makes a context with the defaults of the Go container tools.
func NewContext() *Context {
	c := &Context{ptr: C.lc_context_new()}
	runtime.SetFinalizer(c, (*Context).Close)
	return c
}

func (c *Context) c() *C.LcContext {
	if c == nil || c.ptr == nil {
		panic("containers: use of a nil or closed Context")
	}
	return c.ptr
}

// Close releases the context now rather than at garbage collection. It may
// be called more than once.
func (c *Context) Close() {
	if c == nil || c.ptr == nil {
		return
	}
	C.g_object_unref(C.gpointer(unsafe.Pointer(c.ptr)))
	c.ptr = nil
	runtime.SetFinalizer(c, nil)
}

// optString is s for C, NULL for "" (which the library reads as "unset").
// A string with a NUL byte is cut there, as any C API would.
func optString(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

func freeString(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

func (c *Context) setString(set func(*C.LcContext, *C.char), s string) {
	cs := optString(s)
	defer freeString(cs)
	set(c.c(), cs)
	runtime.KeepAlive(c)
}

func (c *Context) dupString(dup func(*C.LcContext) *C.char) string {
	s := takeString(dup(c.c()))
	runtime.KeepAlive(c)
	return s
}

// Root is the prefix under which default configuration paths are looked up.
func (c *Context) Root() string {
	s := C.GoString(C.lc_context_get_root(c.c()))
	runtime.KeepAlive(c)
	return s
}

// SetRoot sets the prefix of the default paths; "" means "/".
func (c *Context) SetRoot(root string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_root(p, s) }, root)
}

// Rootless reports whether the per-user defaults of rootless podman are used.
func (c *Context) Rootless() bool {
	v := C.lc_context_get_rootless(c.c()) != 0
	runtime.KeepAlive(c)
	return v
}

// SetRootless chooses between the system and the per-user defaults.
func (c *Context) SetRootless(rootless bool) {
	var v C.gboolean
	if rootless {
		v = 1
	}
	C.lc_context_set_rootless(c.c(), v)
	runtime.KeepAlive(c)
}

// UserAgent is the User-Agent header sent to registries.
func (c *Context) UserAgent() string {
	s := C.GoString(C.lc_context_get_user_agent(c.c()))
	runtime.KeepAlive(c)
	return s
}

// SetUserAgent sets the User-Agent; "" goes back to the default.
func (c *Context) SetUserAgent(userAgent string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_user_agent(p, s) }, userAgent)
}

// RegistriesConf is the registries.conf in effect.
func (c *Context) RegistriesConf() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_registries_conf(p) })
}

// SetRegistriesConf sets the registries.conf to read; "" goes back to the
// environment or the default.
func (c *Context) SetRegistriesConf(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_registries_conf(p, s) }, path)
}

// RegistriesConfDir is the registries.conf.d drop-in directory in effect.
func (c *Context) RegistriesConfDir() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_registries_conf_dir(p) })
}

// SetRegistriesConfDir sets the drop-in directory; "" goes back to the default.
func (c *Context) SetRegistriesConfDir(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_registries_conf_dir(p, s) }, path)
}

// PolicyPath is the policy.json in effect.
func (c *Context) PolicyPath() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_policy_path(p) })
}

// SetPolicyPath sets the policy.json to read; "" goes back to the default.
func (c *Context) SetPolicyPath(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_policy_path(p, s) }, path)
}

// AuthFile is the auth.json in effect.
func (c *Context) AuthFile() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_auth_file(p) })
}

// SetAuthFile sets the auth.json to read and write; "" goes back to the
// environment or the default.
func (c *Context) SetAuthFile(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_auth_file(p, s) }, path)
}

// CertsDir is the certs.d directory in effect.
func (c *Context) CertsDir() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_certs_dir(p) })
}

// SetCertsDir sets the certs.d directory; "" goes back to the default.
func (c *Context) SetCertsDir(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_certs_dir(p, s) }, path)
}

// StorageConf is the storage.conf in effect.
func (c *Context) StorageConf() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_storage_conf(p) })
}

// SetStorageConf sets the storage.conf to read; "" goes back to the
// environment or the default.
func (c *Context) SetStorageConf(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_storage_conf(p, s) }, path)
}

// ContainersConf is the containers.conf in effect.
func (c *Context) ContainersConf() string {
	return c.dupString(func(p *C.LcContext) *C.char { return C.lc_context_dup_containers_conf(p) })
}

// SetContainersConf sets the containers.conf to read; "" goes back to the
// environment or the default.
func (c *Context) SetContainersConf(path string) {
	c.setString(func(p *C.LcContext, s *C.char) { C.lc_context_set_containers_conf(p, s) }, path)
}
