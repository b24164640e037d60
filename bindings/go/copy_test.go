// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sha(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// makeLayout writes an OCI layout with one image (one gzip layer) tagged
// "v1" and returns its directory and manifest digest.
func makeLayout(t *testing.T) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) string {
		d := sha(b)
		if err := os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(d, "sha256:")), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	content := make([]byte, 2<<20) // 2 MiB that gzip cannot shrink: several progress events
	rand.New(rand.NewSource(1)).Read(content)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
	tw.Write(content)
	tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(tarBuf.Bytes())
	zw.Close()
	layer := gz.Bytes()
	layerDigest := put(layer)
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Cmd": []string{"sh"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{sha(tarBuf.Bytes())}},
	})
	configDigest := put(config)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json",
			"digest": configDigest, "size": len(config)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
			"digest": layerDigest, "size": len(layer)}},
	})
	manifestDigest := put(manifest)
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json",
			"digest": manifestDigest, "size": len(manifest),
			"annotations": map[string]string{"org.opencontainers.image.ref.name": "v1"}}},
	})
	os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	return dir, manifestDigest
}

// testContext has its own policy.json (accept everything) and no
// machine configuration.
func testContext(t *testing.T, policy string) *Context {
	t.Helper()
	cleanEnv(t)
	ctx := NewContext()
	t.Cleanup(ctx.Close)
	p := filepath.Join(t.TempDir(), "policy.json")
	if policy == "" {
		policy = `{"default":[{"type":"insecureAcceptAnything"}]}`
	}
	if err := os.WriteFile(p, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx.SetPolicyPath(p)
	ctx.SetRegistriesConf(filepath.Join(t.TempDir(), "registries.conf"))
	return ctx
}

func TestCopyImageWithOptionsAndProgress(t *testing.T) {
	ctx := testContext(t, "")
	src, digest := makeLayout(t)
	dest := filepath.Join(t.TempDir(), "copy")
	opts := NewCopyOptions()
	defer opts.Close()
	opts.SetMaxParallel(2)
	opts.SetRetryTimes(0)
	opts.SetPlatform("linux", "amd64", "")
	var events []Progress
	got, err := CopyImage(ctx, "oci:"+src+":v1", "oci:"+dest+":v2", opts, func(p Progress) {
		events = append(events, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != digest {
		t.Errorf("digest %s, want %s", got, digest)
	}
	phases := map[CopyPhase]int{}
	var maxDone uint64
	for _, e := range events {
		phases[e.Phase]++
		if e.Kind == BlobLayer && e.Phase == PhaseDownload && e.BytesDone > maxDone {
			maxDone = e.BytesDone
		}
		if e.Digest == "" {
			t.Errorf("event without a digest: %+v", e)
		}
	}
	for _, ph := range []CopyPhase{PhaseResolve, PhaseDownload, PhaseVerify, PhaseWrite, PhaseDone} {
		if phases[ph] == 0 {
			t.Errorf("no %d event in %+v", ph, events)
		}
	}
	if maxDone == 0 {
		t.Errorf("no bytes reported during the download")
	}
	// A second copy skips the blobs the destination has.
	events = nil
	if _, err := CopyImage(ctx, "oci:"+src+":v1", "oci:"+dest+":v3", nil, func(p Progress) { events = append(events, p) }); err != nil {
		t.Fatal(err)
	}
	skips := 0
	for _, e := range events {
		if e.Phase == PhaseSkip {
			skips++
		}
	}
	if skips != 2 {
		t.Errorf("%d skips, want 2 (config and layer)", skips)
	}
	// Schema2 on request: another digest, the same config.
	v2 := NewCopyOptions()
	v2.SetFormat(ManifestFormatV2S2)
	if v2.Format() != ManifestFormatV2S2 || v2.Compression() != CompressionAuto || v2.All() {
		t.Errorf("getters disagree")
	}
	d2, err := CopyImage(ctx, "oci:"+src+":v1", "dir:"+filepath.Join(t.TempDir(), "d"), v2, nil)
	if err != nil || d2 == digest {
		t.Errorf("v2s2 copy: %s, %v", d2, err)
	}
}

func TestInspect(t *testing.T) {
	ctx := testContext(t, "")
	src, digest := makeLayout(t)
	out, err := InspectImage(ctx, "oci:"+src+":v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Digest       string
		Architecture string
		Layers       []string
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	if info.Digest != digest || info.Architecture != "amd64" || len(info.Layers) != 1 {
		t.Errorf("inspect: %+v", info)
	}
	raw, mt, err := InspectManifest(ctx, "oci:"+src+":v1", "", nil)
	if err != nil || sha(raw) != digest || mt != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest: %s %s %v", sha(raw), mt, err)
	}
	cfg, err := InspectConfig(ctx, "oci:"+src+":v1", nil)
	if err != nil || !bytes.Contains(cfg, []byte(`"amd64"`)) {
		t.Errorf("config: %s %v", cfg, err)
	}
	if _, err := InspectImage(ctx, "oci:"+src+":nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing ref: %v", err)
	}
}

func TestCopyErrors(t *testing.T) {
	src, _ := makeLayout(t)
	// The policy is enforced, and insecure-policy skips it.
	ctx := testContext(t, `{"default":[{"type":"reject"}]}`)
	dest := filepath.Join(t.TempDir(), "x")
	_, err := CopyImage(ctx, "oci:"+src+":v1", "oci:"+dest+":v1", nil, nil)
	if !errors.Is(err, ErrPolicyDenied) || !strings.Contains(err.Error(), "rejected by policy") {
		t.Errorf("reject: %v", err)
	}
	if _, serr := os.Stat(dest); !os.IsNotExist(serr) {
		t.Errorf("the destination exists after a refused copy")
	}
	opts := NewCopyOptions()
	opts.SetInsecurePolicy(true)
	if !opts.InsecurePolicy() {
		t.Errorf("InsecurePolicy")
	}
	if _, err := CopyImage(ctx, "oci:"+src+":v1", "oci:"+dest+":v1", opts, nil); err != nil {
		t.Errorf("insecure policy: %v", err)
	}
	// Bad references, NUL bytes.
	if _, err := CopyImage(ctx, "foo:bar", "oci:"+dest, opts, nil); !errors.Is(err, ErrInvalidReference) {
		t.Errorf("unknown transport: %v", err)
	}
	if _, err := CopyImage(ctx, "oci:a\x00b", "oci:"+dest, opts, nil); !errors.Is(err, ErrInvalidReference) {
		t.Errorf("NUL: %v", err)
	}
	// Cancelled before it starts: nothing copied.
	goCtx, cancel := context.WithCancel(context.Background())
	cancel()
	other := filepath.Join(t.TempDir(), "cancelled")
	if _, err := CopyImageContext(goCtx, ctx, "oci:"+src+":v1", "oci:"+other+":v1", opts, nil); err == nil ||
		!strings.Contains(strings.ToLower(err.Error()), "cancel") {
		t.Errorf("cancelled: %v", err)
	}
	// Cancelled from the progress callback, in the middle.
	goCtx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_, err = CopyImageContext(goCtx, ctx, "oci:"+src+":v1", "oci:"+other+":v2", opts, func(p Progress) {
		if p.Phase == PhaseDownload {
			cancel()
		}
	})
	if err == nil {
		t.Errorf("a copy cancelled during the download succeeded")
	}
	// Setters with every option, for the record.
	all := NewCopyOptions()
	all.SetAll(true)
	all.SetCompression(CompressionZstd)
	all.SetRemoveSignatures(true)
	all.SetSrcTLSVerify(false)
	all.SetDestTLSVerify(true)
	all.SetSrcCreds("a:b")
	all.SetDestCreds("")
	all.SetSrcCertDir("/nonexistent")
	all.SetDestCertDir("")
	all.SetSrcAuthFile("/nonexistent.json")
	all.SetDestAuthFile("")
	all.SetSrcNoCreds(true)
	all.SetDestNoCreds(false)
	all.SetStallTimeout(5)
	if !all.All() || all.Compression() != CompressionZstd {
		t.Errorf("getters")
	}
	all.Close()
	all.Close()
}
