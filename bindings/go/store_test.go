// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"archive/tar"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeLayerTar(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, h := range []*tar.Header{
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0755},
		{Name: "etc/hostname", Typeflag: tar.TypeReg, Mode: 0644, Size: 5},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("hello"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func openTestStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	ctx := NewContext()
	defer ctx.Close()
	ctx.SetStorageConf(filepath.Join(dir, "no-storage.conf"))
	s, err := OpenStore(ctx, &StoreOptions{
		GraphRoot: filepath.Join(dir, "root"),
		RunRoot:   filepath.Join(dir, "run"),
		Driver:    "vfs",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestStoreLayersImagesContainers(t *testing.T) {
	s := openTestStore(t)
	if s.DriverName() != "vfs" || !strings.HasSuffix(s.GraphRoot(), "/root") {
		t.Fatalf("driver %q root %q", s.DriverName(), s.GraphRoot())
	}
	blob := filepath.Join(t.TempDir(), "layer.tar")
	writeLayerTar(t, blob)
	layer, err := s.ApplyLayerFile("", blob, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(layer.DiffDigest, "sha256:") || layer.ID != layer.DiffDigest[7:] || layer.Parent != "" {
		t.Fatalf("layer %+v", layer)
	}
	layers, err := s.ListLayers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("ListLayers: %v %v", layers, err)
	}
	img, err := s.CreateImage("", layer.ID, []string{"localhost/go-test:latest"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.LookupImage("go-test")
	if err != nil || found.ID != img.ID || found.TopLayer != layer.ID || found.Names[0] != "localhost/go-test:latest" {
		t.Fatalf("LookupImage: %+v %v", found, err)
	}
	if err := s.AddImageName(img.ID, "localhost/go-test:v2"); err != nil {
		t.Fatal(err)
	}
	images, err := s.ListImages()
	if err != nil || len(images) != 1 || len(images[0].Names) != 2 || images[0].NamesHistory[0] != "localhost/go-test:v2" {
		t.Fatalf("ListImages: %+v %v", images, err)
	}
	if _, err := s.LookupImage("nothere"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookupImage(nothere): %v", err)
	}

	ctr, err := s.CreateContainer("", []string{"go-ctr"}, "localhost/go-test:v2", `{"k":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if ctr.ImageID != img.ID || ctr.LayerID == "" || ctr.Names[0] != "go-ctr" || ctr.Metadata != `{"k":1}` {
		t.Fatalf("container %+v", ctr)
	}
	ctrs, err := s.ListContainers()
	if err != nil || len(ctrs) != 1 || ctrs[0].ID != ctr.ID {
		t.Fatalf("ListContainers: %+v %v", ctrs, err)
	}
	if c, err := s.LookupContainer("go-ctr"); err != nil || c.LayerID != ctr.LayerID {
		t.Fatalf("LookupContainer: %+v %v", c, err)
	}
	dir, err := s.ContainerDirectory("go-ctr", true)
	if err != nil || !strings.HasSuffix(dir, "/vfs-containers/"+ctr.ID+"/userdata") {
		t.Fatalf("ContainerDirectory: %q %v", dir, err)
	}
	if _, err := s.CreateContainer("", []string{"go-ctr"}, "", ""); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := s.DeleteImage(img.ID); !errors.Is(err, ErrLocked) {
		t.Fatalf("DeleteImage of an image in use: %v", err)
	}
	if os.Geteuid() == 0 {
		p, err := s.MountContainer("go-ctr")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(p, "etc/hostname")); err != nil || string(b) != "hello" {
			t.Fatalf("mounted file: %q %v", b, err)
		}
		if err := s.UnmountContainer("go-ctr", false); err != nil {
			t.Fatal(err)
		}
	}
	problems, err := s.Check(CheckDigests)
	if err != nil || len(problems) != 0 {
		t.Fatalf("Check: %v %v", problems, err)
	}
	if err := s.DeleteContainer("go-ctr"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupContainer("go-ctr"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteImage("localhost/go-test:latest"); err != nil {
		t.Fatal(err)
	}
	if layers, _ := s.ListLayers(); len(layers) != 0 {
		t.Fatalf("layers left: %+v", layers)
	}
}

func TestStoreCheckRepairsBrokenLayer(t *testing.T) {
	s := openTestStore(t)
	blob := filepath.Join(t.TempDir(), "layer.tar")
	writeLayerTar(t, blob)
	layer, err := s.ApplyLayerFile("", blob, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateImage("", layer.ID, []string{"localhost/broken:latest"}, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(s.GraphRoot(), "vfs", "dir", layer.ID)); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check(0)
	if err != nil || len(problems) != 2 {
		t.Fatalf("Check: %q %v", problems, err)
	}
	if _, err := s.Check(CheckRepair); err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(0); err != nil || len(problems) != 0 {
		t.Fatalf("after repair: %q %v", problems, err)
	}
	if _, err := s.LookupImage("localhost/broken"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("broken image still there: %v", err)
	}
}
