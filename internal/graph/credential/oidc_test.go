package credential

import (
	"encoding/base64"
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
