// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
)

const sha256F = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

func mustParse(t *testing.T, s string) *ImageRef {
	t.Helper()
	ref, err := ParseImageRef(s)
	if err != nil {
		t.Fatalf("ParseImageRef(%q): %v", s, err)
	}
	return ref
}

func TestParseImageRefNormalizesBusybox(t *testing.T) {
	ref, err := ParseImageRef("busybox")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if got := ref.String(); got != "docker.io/library/busybox:latest" {
		t.Errorf("String() = %q", got)
	}
	if got := ref.FamiliarString(); got != "busybox" {
		t.Errorf("FamiliarString() = %q", got)
	}
	if ref.Domain() != "docker.io" || ref.Path() != "library/busybox" ||
		ref.Name() != "docker.io/library/busybox" {
		t.Errorf("got %q %q %q", ref.Domain(), ref.Path(), ref.Name())
	}
	if tag, ok := ref.Tag(); ok || tag != "" {
		t.Errorf("Tag() = %q, %v", tag, ok)
	}
	if digest, ok := ref.Digest(); ok || digest != "" {
		t.Errorf("Digest() = %q, %v", digest, ok)
	}
}

func TestParseImageRefNormalizesLikeDocker(t *testing.T) {
	cases := []struct{ in, domain, path, tag, digest string }{
		{"docker.io/busybox", "docker.io", "library/busybox", "", ""},
		{"index.docker.io/x", "docker.io", "library/x", "", ""},
		{"localhost/x", "localhost", "x", "", ""},
		{"localhost:5000/a/b:v1", "localhost:5000", "a/b", "v1", ""},
		{"Foo/bar", "Foo", "bar", "", ""},
		{"[::1]:5000/x@" + sha256F, "[::1]:5000", "x", "", sha256F},
		{"busybox:1@" + sha256F, "docker.io", "library/busybox", "1", sha256F},
	}
	for _, c := range cases {
		ref := mustParse(t, c.in)
		tag, _ := ref.Tag()
		digest, _ := ref.Digest()
		if ref.Domain() != c.domain || ref.Path() != c.path || tag != c.tag || digest != c.digest {
			t.Errorf("%q: got %q %q %q %q", c.in, ref.Domain(), ref.Path(), tag, digest)
		}
	}
}

func TestParseImageRefErrorsMatchErrInvalidReference(t *testing.T) {
	for _, in := range []string{"", "Alpine", "Foo:bar", ":justtag", "docker///docker",
		"repo@sha256:ffff", "foo:" + strings.Repeat("t", 129), "busybox\x00:junk"} {
		ref, err := ParseImageRef(in)
		if ref != nil || err == nil {
			t.Errorf("%q: expected an error", in)
			continue
		}
		if !errors.Is(err, ErrInvalidReference) {
			t.Errorf("%q: %v does not match ErrInvalidReference", in, err)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%q: %v matches ErrNotFound", in, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Domain != ErrorDomain || e.Code != ErrorInvalidReference {
			t.Errorf("%q: %#v", in, err)
		}
	}
}

func TestParseImageRefErrorMessageSaysWhatAndWhere(t *testing.T) {
	_, err := ParseImageRef("Foo:bar")
	want := `invalid reference "Foo:bar": repository name must be lowercase`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestImageRefWithTagAndWithDigest(t *testing.T) {
	ref := mustParse(t, "quay.io/podman/stable:v4")
	tagged, err := ref.WithTag("v5")
	if err != nil {
		t.Fatal(err)
	}
	if got := tagged.String(); got != "quay.io/podman/stable:v5" {
		t.Errorf("WithTag: %q", got)
	}
	both, err := tagged.WithDigest(sha256F)
	if err != nil {
		t.Fatal(err)
	}
	if got := both.String(); got != "quay.io/podman/stable:v5@"+sha256F {
		t.Errorf("WithDigest: %q", got)
	}
	if tag, _ := ref.Tag(); tag != "v4" {
		t.Errorf("the original changed: %q", tag)
	}
	for _, bad := range []string{"-foo", "", "a/b", "a\x00b", strings.Repeat("t", 129)} {
		if _, err := ref.WithTag(bad); !errors.Is(err, ErrInvalidReference) {
			t.Errorf("WithTag(%q): %v", bad, err)
		}
	}
	for _, bad := range []string{"foo", "sha256:abc", "md5:" + sha256F[7:], sha256F + "\x00"} {
		if _, err := ref.WithDigest(bad); !errors.Is(err, ErrInvalidReference) {
			t.Errorf("WithDigest(%q): %v", bad, err)
		}
	}
}

func TestImageRefEqualAndHash(t *testing.T) {
	a := mustParse(t, "busybox")
	b := mustParse(t, "docker.io/library/busybox")
	c := mustParse(t, "busybox:latest")
	if !a.Equal(b) || a.Hash() != b.Hash() {
		t.Error("busybox and docker.io/library/busybox differ")
	}
	if a.Equal(c) {
		t.Error("no tag equals latest")
	}
}

func TestImageRefCloseIsIdempotentAndFinalizersRun(t *testing.T) {
	ref := mustParse(t, "busybox")
	ref.Close()
	ref.Close()
	ref.Free()
	for i := 0; i < 1000; i++ {
		mustParse(t, "busybox:1")
	}
	runtime.GC()
	runtime.GC()
}

func TestImageRefIsSafeForConcurrentUse(t *testing.T) {
	ref := mustParse(t, "quay.io/podman/stable:v5")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if ref.String() != "quay.io/podman/stable:v5" {
					t.Error("wrong string")
					return
				}
			}
		}()
	}
	wg.Wait()
}
