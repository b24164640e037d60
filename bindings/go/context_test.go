// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"fmt"
	"os"
	"testing"
)

var contextEnv = []string{"CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE",
	"CONTAINERS_STORAGE_CONF", "CONTAINERS_CONF", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"}

// cleanEnv empties the variables a Context reads; t.Setenv restores them.
func cleanEnv(t *testing.T) {
	for _, name := range contextEnv {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

func TestNewContextHasSystemDefaultsUnderRoot(t *testing.T) {
	cleanEnv(t)
	ctx := NewContext()
	defer ctx.Close()
	ctx.SetRootless(false)
	ctx.SetRoot("/sysroot")
	checks := map[string]string{
		"root":              ctx.Root(),
		"registries.conf":   ctx.RegistriesConf(),
		"registries.conf.d": ctx.RegistriesConfDir(),
		"policy.json":       ctx.PolicyPath(),
		"certs.d":           ctx.CertsDir(),
		"storage.conf":      ctx.StorageConf(),
		"containers.conf":   ctx.ContainersConf(),
		"auth.json":         ctx.AuthFile(),
	}
	want := map[string]string{
		"root":              "/sysroot",
		"registries.conf":   "/sysroot/etc/containers/registries.conf",
		"registries.conf.d": "/sysroot/etc/containers/registries.conf.d",
		"policy.json":       "/sysroot/etc/containers/policy.json",
		"certs.d":           "/sysroot/etc/containers/certs.d",
		"storage.conf":      "/sysroot/etc/containers/storage.conf",
		"containers.conf":   "/sysroot/etc/containers/containers.conf",
		"auth.json":         fmt.Sprintf("/sysroot/run/containers/%d/auth.json", os.Geteuid()),
	}
	for k, v := range want {
		if checks[k] != v {
			t.Errorf("%s: got %q, want %q", k, checks[k], v)
		}
	}
	ctx.SetRoot("")
	if ctx.Root() != "/" {
		t.Errorf("SetRoot(\"\"): %q", ctx.Root())
	}
}

func TestContextReadsTheEnvironmentWhenMade(t *testing.T) {
	cleanEnv(t)
	t.Setenv("CONTAINERS_REGISTRIES_CONF", "/env/registries.conf")
	t.Setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
	t.Setenv("CONTAINERS_STORAGE_CONF", "/env/storage.conf")
	t.Setenv("CONTAINERS_CONF", "/env/containers.conf")
	ctx := NewContext()
	defer ctx.Close()
	os.Setenv("REGISTRY_AUTH_FILE", "/env/later.json")
	if ctx.RegistriesConf() != "/env/registries.conf" || ctx.AuthFile() != "/env/auth.json" ||
		ctx.StorageConf() != "/env/storage.conf" || ctx.ContainersConf() != "/env/containers.conf" {
		t.Errorf("got %q %q %q %q", ctx.RegistriesConf(), ctx.AuthFile(), ctx.StorageConf(),
			ctx.ContainersConf())
	}
}

func TestContextSettersWinAndEmptyResets(t *testing.T) {
	cleanEnv(t)
	t.Setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
	ctx := NewContext()
	defer ctx.Close()
	ctx.SetRootless(false)
	ctx.SetRoot("/r")
	type pair struct {
		set func(string)
		get func() string
		def string
	}
	pairs := map[string]pair{
		"registries.conf":   {ctx.SetRegistriesConf, ctx.RegistriesConf, "/r/etc/containers/registries.conf"},
		"registries.conf.d": {ctx.SetRegistriesConfDir, ctx.RegistriesConfDir, "/r/etc/containers/registries.conf.d"},
		"policy.json":       {ctx.SetPolicyPath, ctx.PolicyPath, "/r/etc/containers/policy.json"},
		"auth.json":         {ctx.SetAuthFile, ctx.AuthFile, "/env/auth.json"},
		"certs.d":           {ctx.SetCertsDir, ctx.CertsDir, "/r/etc/containers/certs.d"},
		"storage.conf":      {ctx.SetStorageConf, ctx.StorageConf, "/r/etc/containers/storage.conf"},
		"containers.conf":   {ctx.SetContainersConf, ctx.ContainersConf, "/r/etc/containers/containers.conf"},
	}
	for name, p := range pairs {
		p.set("/set/" + name)
		if got := p.get(); got != "/set/"+name {
			t.Errorf("%s: set gives %q", name, got)
		}
		p.set("")
		if got := p.get(); got != p.def {
			t.Errorf("%s: reset gives %q, want %q", name, got, p.def)
		}
	}
}

func TestContextUserAgentAndRootless(t *testing.T) {
	cleanEnv(t)
	ctx := NewContext()
	defer ctx.Close()
	def := "libcontainers/" + Version()
	if ctx.UserAgent() != def {
		t.Errorf("UserAgent() = %q", ctx.UserAgent())
	}
	ctx.SetUserAgent("tool/2")
	if ctx.UserAgent() != "tool/2" {
		t.Errorf("UserAgent() = %q", ctx.UserAgent())
	}
	ctx.SetUserAgent("")
	if ctx.UserAgent() != def {
		t.Errorf("UserAgent() = %q after reset", ctx.UserAgent())
	}
	if ctx.Rootless() != (os.Geteuid() != 0) {
		t.Errorf("Rootless() = %v", ctx.Rootless())
	}
	ctx.SetRootless(true)
	if !ctx.Rootless() {
		t.Error("SetRootless(true)")
	}
	ctx.SetRootless(false)
	if ctx.Rootless() {
		t.Error("SetRootless(false)")
	}
	ctx.Close()
	ctx.Close()
}
