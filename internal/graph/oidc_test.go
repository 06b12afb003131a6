package graph

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unsignedJWT is a compact JWT with the given claims and no valid
// signature: the expiry is read without checking one.
func unsignedJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

func TestJWTExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		want  time.Time // zero: no expiry read
	}{
		{"whole seconds", unsignedJWT(`{"aud":"api://AzureADTokenExchange","exp":1704873600}`), time.Unix(1704873600, 0)},
		{"fraction", unsignedJWT(`{"exp":1704873600.5}`), time.Unix(1704873600, 5e8)},
		{"padded payload", strings.Replace(unsignedJWT(`{"exp":1704873600}`), ".c2ln", "==.c2ln", 1), time.Unix(1704873600, 0)},
		{"no exp", unsignedJWT(`{"aud":"x"}`), time.Time{}},
		{"exp not a number", unsignedJWT(`{"exp":"tomorrow"}`), time.Time{}},
		{"negative", unsignedJWT(`{"exp":-1}`), time.Time{}},
		{"past year 9999", unsignedJWT(`{"exp":1e300}`), time.Time{}},
		{"not JSON", unsignedJWT(`exp=1`), time.Time{}},
		{"two parts", "eyJhbGciOiJub25lIn0.eyJleHAiOjF9", time.Time{}},
		{"not base64", "a.%%%.c", time.Time{}},
		{"empty", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := jwtExpiry(tt.token)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("jwtExpiry = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
}

// FuzzJWTExpiry: whatever the token, reading its expiry neither panics nor
// yields a time outside the range a token can have.
func FuzzJWTExpiry(f *testing.F) {
	for _, s := range []string{unsignedJWT(`{"exp":1704873600}`), unsignedJWT(`{"exp":1e300}`), unsignedJWT(`{"exp":NaN}`), "a.b.c", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		exp, ok := jwtExpiry(token)
		if ok && (exp.Unix() <= 0 || exp.Unix() > maxJWTExpiry) {
			t.Fatalf("jwtExpiry(%q) = %v, outside (0, year 9999]", token, exp)
		}
		if !ok && !exp.IsZero() {
			t.Fatalf("jwtExpiry(%q) = %v without a value", token, exp)
		}
	})
}

func TestFederatedTokenExpiry(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	token := unsignedJWT(`{"exp":` + strconv.FormatInt(exp.Unix(), 10) + `}`)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := Credentials{TenantID: testTenant, ClientID: testClient, UseOIDC: true}
	with := func(f func(*Credentials)) Credentials { c := app; f(&c); return c }
	tests := []struct {
		name string
		c    Credentials
		want FederatedToken
		ok   bool
	}{
		{"oidc_token", with(func(c *Credentials) { c.OIDCToken = token }), FederatedToken{Expires: exp}, true},
		{"oidc_token_file_path", with(func(c *Credentials) { c.OIDCTokenFilePath = file }), FederatedToken{Expires: exp, FromFile: true}, true},
		{"oidc_request_url: fresh at each renewal", with(func(c *Credentials) {
			c.OIDCRequestURL, c.OIDCRequestToken = "https://token.example.net/", "request-token"
		}), FederatedToken{}, false},
		{"a token without exp", with(func(c *Credentials) { c.OIDCToken = unsignedJWT(`{}`) }), FederatedToken{}, false},
		{"client secret", Credentials{TenantID: testTenant, ClientID: testClient, ClientSecret: "s"}, FederatedToken{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(context.Background(), Config{Credentials: tt.c})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.FederatedTokenExpiry()
			if ok != tt.ok || !got.Expires.Equal(tt.want.Expires) || got.FromFile != tt.want.FromFile {
				t.Errorf("FederatedTokenExpiry = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
