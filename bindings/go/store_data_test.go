// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestStoreBigDataExportAndLayerMounts(t *testing.T) {
	s := openTestStore(t)
	blob := filepath.Join(t.TempDir(), "layer.tar")
	writeLayerTar(t, blob)
	layer, err := s.ApplyLayerFile("", blob, "")
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.CreateImage("", layer.ID, []string{"localhost/go-data:latest"}, "", "")
	if err != nil {
		t.Fatal(err)
	}

	if err := s.SetImageBigData(img.ID, "note", []byte("hello"), ""); err != nil {
		t.Fatal(err)
	}
	if b, err := s.ImageBigData(img.ID, "note"); err != nil || string(b) != "hello" {
		t.Fatalf("ImageBigData: %q %v", b, err)
	}
	if _, err := s.ImageBigData(img.ID, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing big data: %v", err)
	}

	ctr, err := s.CreateContainer("", []string{"go-data-ctr"}, img.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetContainerBigData(ctr.ID, "state", []byte{}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.ContainerBigData(ctr.ID, "state"); err != nil || len(b) != 0 {
		t.Fatalf("ContainerBigData: %q %v", b, err)
	}

	// The exported diff is the tar stream the layer was made from.
	out := filepath.Join(t.TempDir(), "export.tar")
	if err := s.ExportLayerFile(layer.ID, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if len(names) != 2 || names[1] != "etc/hostname" {
		t.Fatalf("exported entries: %v", names)
	}
	if err := s.ExportLayerFile("nothere", out); !errors.Is(err, ErrNotFound) {
		t.Fatalf("export of a missing layer: %v", err)
	}

	if os.Geteuid() == 0 {
		p, err := s.MountLayer(layer.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(p, "etc/hostname")); err != nil || string(b) != "hello" {
			t.Fatalf("mounted layer: %q %v", b, err)
		}
		if err := s.UnmountLayer(layer.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.UnmountLayer("nothere", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unmount of a missing layer: %v", err)
	}
}

func TestRegistryDeleteImageRejectsBadReferences(t *testing.T) {
	ctx := NewContext()
	defer ctx.Close()
	if err := DeleteImage(context.Background(), ctx, "Not A Ref", nil); !errors.Is(err, ErrInvalidReference) {
		t.Fatalf("DeleteImage: %v", err)
	}
	dir := t.TempDir()
	opts := NewRegistryOptions()
	defer opts.Close()
	auth := filepath.Join(dir, "auth.json")
	if err := os.WriteFile(auth, []byte(`{"auths":{"example.com":{"auth":"dTpw"}}}`), 0600); err != nil {
		t.Fatal(err)
	}
	opts.SetAuthFile(auth)
	if err := LogoutAll(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := LoginUser(ctx, "example.com", opts); err == nil {
		t.Fatal("credentials still there after LogoutAll")
	}
}
