// SPDX-License-Identifier: LGPL-2.1-or-later

package containers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRegistry answers /v2/ and tag lists with Basic auth user:secret;
// anonymous clients may list the tags of "public/*".
func fakeRegistry(t *testing.T) string {
	t.Helper()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:secret"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") == want
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		switch {
		case r.URL.Path == "/v2/":
			if !authed {
				w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
				return
			}
			w.Write([]byte("{}"))
		case strings.HasSuffix(r.URL.Path, "/tags/list"):
			name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2/"), "/tags/list")
			if !authed && !strings.HasPrefix(name, "public/") {
				w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"name": name, "tags": []string{"v1", "v2", "latest"}})
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`))
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestListTagsLoginLogout(t *testing.T) {
	ctx := testContext(t, "")
	host := fakeRegistry(t)
	auth := filepath.Join(t.TempDir(), "auth.json")
	opts := NewRegistryOptions()
	defer opts.Close()
	opts.SetTLSVerify(false)
	opts.SetAuthFile(auth)
	opts.SetRetryTimes(0)
	opts.SetStallTimeout(10)
	opts.SetCertDir("")

	tags, err := ListTags(context.Background(), ctx, host+"/public/x", opts)
	if err != nil || strings.Join(tags, ",") != "v1,v2,latest" {
		t.Fatalf("anonymous list: %v %v", tags, err)
	}
	if _, err := ListTags(context.Background(), ctx, host+"/private/x", opts); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("private without login: %v", err)
	}
	if err := Login(context.Background(), ctx, host, "user", "wrong", opts); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := os.Stat(auth); err == nil {
		t.Errorf("a failed login wrote %s", auth)
	}
	if err := Login(context.Background(), ctx, host, "user", "secret", opts); err != nil {
		t.Fatalf("login: %v", err)
	}
	if u, err := LoginUser(ctx, host, opts); err != nil || u != "user" {
		t.Errorf("login user: %q %v", u, err)
	}
	if tags, err := ListTags(context.Background(), ctx, host+"/private/x", opts); err != nil || len(tags) != 3 {
		t.Errorf("private after login: %v %v", tags, err)
	}
	if err := Logout(ctx, host, opts); err != nil {
		t.Errorf("logout: %v", err)
	}
	if _, err := LoginUser(ctx, host, opts); err == nil {
		t.Errorf("still logged in after logout")
	}
	// Explicit credentials need no auth file.
	creds := NewRegistryOptions()
	creds.SetTLSVerify(false)
	creds.SetCredentials("user", "secret")
	if _, err := ListTags(context.Background(), ctx, host+"/private/y", creds); err != nil {
		t.Errorf("with credentials: %v", err)
	}
	if _, err := ListTags(context.Background(), ctx, "Bad..Name", nil); !errors.Is(err, ErrInvalidReference) {
		t.Errorf("bad name: %v", err)
	}
	// Inspecting through a registry that has no such repository.
	copts := NewCopyOptions()
	copts.SetSrcTLSVerify(false)
	copts.SetRetryTimes(0)
	if _, err := InspectImage(ctx, "docker://"+host+"/public/none:v1", copts); err == nil {
		t.Errorf("inspect of a missing image succeeded")
	}
}
