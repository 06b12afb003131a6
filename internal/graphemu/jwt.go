package graphemu

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint; it identifies, it does not protect
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
)

// A JWT as the emulator reads it: header, claims, the signed part and the
// signature. Tokens are hostile input (access tokens on every Graph call,
// client assertions at the token endpoint), so parsing is strict and bounded.
type jwt struct {
	header    jwtHeader
	claims    []byte // raw JSON of the payload
	signed    string // "header.payload", what the signature covers
	signature []byte
}

type jwtHeader struct {
	Alg     string `json:"alg"`
	Typ     string `json:"typ"`
	X5t     string `json:"x5t"`
	X5tS256 string `json:"x5t#S256"`
}

// maxJWT bounds what the emulator will decode; real tokens are a few KB.
const maxJWT = 16 << 10

var errMalformedJWT = errors.New("malformed JWT")

func parseJWT(s string) (*jwt, error) {
	if len(s) > maxJWT {
		return nil, errMalformedJWT
	}
	h, rest, ok := strings.Cut(s, ".")
	if !ok {
		return nil, errMalformedJWT
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, errMalformedJWT
	}
	hb, err := decodeSegment(h)
	if err != nil {
		return nil, err
	}
	pb, err := decodeSegment(p)
	if err != nil {
		return nil, err
	}
	sb, err := decodeSegment(sig)
	if err != nil {
		return nil, err
	}
	t := &jwt{claims: pb, signed: s[:len(h)+1+len(p)], signature: sb}
	if err := json.Unmarshal(hb, &t.header); err != nil {
		return nil, errMalformedJWT
	}
	if !json.Valid(pb) || !bytes.HasPrefix(bytes.TrimSpace(pb), []byte("{")) {
		return nil, errMalformedJWT
	}
	return t, nil
}

// decodeSegment decodes base64url, tolerating padding.
func decodeSegment(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errMalformedJWT
	}
	return b, nil
}

func encodeSegment(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signHS256 builds a compact JWT signed with HMAC-SHA256 under key.
func signHS256(key []byte, claims any) string {
	signed := encodeSegment([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + encodeSegment(marshalJSON(claims))
	return signed + "." + encodeSegment(hmacSHA256(key, signed))
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// verifyHS256 checks an HMAC-SHA256 signature in constant time.
func (t *jwt) verifyHS256(key []byte) bool {
	return t.header.Alg == "HS256" && hmac.Equal(t.signature, hmacSHA256(key, t.signed))
}

// verifyRSA checks an RS256 or PS256 signature against the certificate's
// RSA public key.
func (t *jwt) verifyRSA(cert *x509.Certificate) bool {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	digest := sha256.Sum256([]byte(t.signed))
	switch t.header.Alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], t.signature) == nil
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], t.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	default:
		return false
	}
}

// thumbprint returns the certificate thumbprint the header names (x5t#S256
// preferred over x5t) and whether it uses SHA-256. MSAL encodes it in
// standard base64 while RFC 7515 says base64url: both are accepted.
func (h jwtHeader) thumbprint() (raw []byte, isSHA256, ok bool) {
	for _, c := range []struct {
		v        string
		isSHA256 bool
	}{{h.X5tS256, true}, {h.X5t, false}} {
		if c.v == "" {
			continue
		}
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
			if b, err := enc.DecodeString(strings.TrimRight(c.v, "=")); err == nil {
				return b, c.isSHA256, true
			}
		}
		return nil, false, false
	}
	return nil, false, false
}

// certByThumbprint finds the certificate whose SHA-1 or SHA-256 thumbprint is tp.
func certByThumbprint(certs []*x509.Certificate, tp []byte, useSHA256 bool) *x509.Certificate {
	for _, c := range certs {
		var sum []byte
		if useSHA256 {
			s := sha256.Sum256(c.Raw)
			sum = s[:]
		} else {
			s := sha1.Sum(c.Raw) //nolint:gosec // see import
			sum = s[:]
		}
		if hmac.Equal(sum, tp) {
			return c
		}
	}
	return nil
}

// thumbprintHex renders a thumbprint as Entra prints it in errors.
func thumbprintHex(tp []byte) string { return strings.ToUpper(hex.EncodeToString(tp)) }

// audience is a JWT "aud" claim: a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}
