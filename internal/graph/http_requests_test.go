package graph

import (
	"context"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// offlineClient is a client for building requests; it never sends any.
func offlineClient(tb testing.TB) *Client {
	tb.Helper()
	cfg := Config{GraphEndpoint: "https://graph.example.net"}
	ep, err := resolveEndpoints(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := assemble(cfg, ep, &fakeCredential{}, credential.Secret, newFakeClock())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// sdkAuthMethodsURL is the $batch step URL the SDK's request builders make
// for a user's authentication methods.
func sdkAuthMethodsURL(tb testing.TB, c *Client, id string) string {
	tb.Helper()
	info, err := c.usersBuilder().ByUserId(id).Authentication().Methods().ToGetRequestInformation(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := c.relativeURL(info)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestAuthMethodsPathIsTheSDKs(t *testing.T) {
	t.Parallel()
	c := offlineClient(t)
	for _, id := range []string{
		"7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012",
		"7D0B1F6E-2A4C-4E58-9B3D-5C6A7E8F9012",
		"guest_a.com#EXT#@contoso.onmicrosoft.com",
		"o'neil@contoso.com",
		"a/b?c#d",
		"élodie",
		"a b+c;d=e:f&g$h,i(j)*k!l",
		"100%",
		"%2F",
		"~._-",
		"a\x00b\r\n",
		"\xff\xfe",
		"日本",
	} {
		if got, want := authMethodsPath(id), sdkAuthMethodsURL(t, c, id); got != want {
			t.Errorf("authMethodsPath(%q) = %q, want the SDK's %q", id, got, want)
		}
	}
}

func FuzzAuthMethodsPath(f *testing.F) {
	for _, s := range []string{"7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", "guest#EXT#@x", "a/b?c", "\xff", "%"} {
		f.Add(s)
	}
	c := offlineClient(f)
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" {
			return
		}
		if got, want := authMethodsPath(id), sdkAuthMethodsURL(t, c, id); got != want {
			t.Fatalf("authMethodsPath(%q) = %q, want the SDK's %q", id, got, want)
		}
	})
}

// BenchmarkAuthMethodsURL compares the per-user cost of a step URL built by
// hand with the SDK's request builders and URI template.
func BenchmarkAuthMethodsURL(b *testing.B) {
	const id = "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012"
	c := offlineClient(b)
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = sdkAuthMethodsURL(b, c, id)
		}
	})
	b.Run("path", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = authMethodsPath(id)
		}
	})
}
