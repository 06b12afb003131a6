package tenant

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
)

// Page and delta tokens are opaque to clients but carry the position to
// resume from (the last sort key scanned), so inserts and deletes between
// pages never make a scan skip or repeat an unchanged user. They are
// authenticated with an HMAC so a tampered or foreign token is refused.

type tokenKind byte

const (
	tokPage      tokenKind = 'p' // $skiptoken of a list
	tokDeltaNext tokenKind = 'n' // $skiptoken of a delta round
	tokDeltaLink tokenKind = 'd' // $deltatoken
	tokReport    tokenKind = 'r' // $skiptoken of the registration report
	tokenVersion           = 1
	macSize                = 16
)

type pageToken struct {
	kind   tokenKind
	epoch  uint32  // page-token epoch (ExpirePageTokens) or unused
	fp     [8]byte // options fingerprint (lists)
	issued int64   // Unix seconds when issued
	view   viewKind
	desc   bool
	key    sortKey
	// delta state
	from, to uint64 // versions: changes in (from, to]; initial rounds have from = 0
	initial  bool   // the round lists every live user
	lastVer  uint64 // resume after this log version (change rounds)
	sel      string // $select of the delta query
	filter   string // $filter of the delta query
}

var errBadToken = errors.New("bad token")

func (t *Tenant) sealToken(pt pageToken) string {
	b := []byte{byte(pt.kind), tokenVersion}
	b = binary.BigEndian.AppendUint32(b, pt.epoch)
	b = append(b, pt.fp[:]...)
	b = binary.AppendVarint(b, pt.issued)
	b = append(b, byte(pt.view), boolByte(pt.desc), boolByte(pt.initial))
	for _, s := range []string{pt.key.dn, pt.key.upn, pt.sel, pt.filter} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, v := range []uint64{pt.from, pt.to, pt.lastVer} {
		b = binary.AppendUvarint(b, v)
	}
	if pt.view == vID {
		// Last, and only in the id view: tokens of the other views keep the
		// bytes they had before the id view existed.
		b = binary.AppendUvarint(b, uint64(len(pt.key.id)))
		b = append(b, pt.key.id...)
	}
	mac := hmac.New(sha256.New, t.key[:])
	mac.Write(b)
	b = mac.Sum(b)[:len(b)+macSize]
	return base64.RawURLEncoding.EncodeToString(b)
}

func (t *Tenant) openToken(s string) (pageToken, error) {
	var pt pageToken
	if !tokenAlphabet(s) {
		return pt, errBadToken
	}
	// Strict: without it the unused low bits of the last character are
	// ignored, so several spellings would open as one issued token.
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < 2+4+8+macSize {
		return pt, errBadToken
	}
	body, sum := b[:len(b)-macSize], b[len(b)-macSize:]
	mac := hmac.New(sha256.New, t.key[:])
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil)[:macSize], sum) || body[1] != tokenVersion {
		return pt, errBadToken
	}
	r := tokenReader{b: body[2:]}
	pt.kind = tokenKind(body[0])
	pt.epoch = r.u32()
	copy(pt.fp[:], r.bytes(8))
	pt.issued = r.varint()
	pt.view, pt.desc, pt.initial = viewKind(r.byte()), r.byte() == 1, r.byte() == 1
	pt.key.dn, pt.key.upn, pt.sel, pt.filter = r.str(), r.str(), r.str(), r.str()
	pt.from, pt.to, pt.lastVer = r.uvarint(), r.uvarint(), r.uvarint()
	if pt.view == vID {
		pt.key.id = r.str()
	}
	if r.bad || len(r.b) != 0 || pt.view > vID {
		return pt, errBadToken
	}
	return pt, nil
}

// tokenAlphabet reports whether s holds only base64url characters: the
// decoder would skip CR and LF, and a token must be exactly what was issued.
func tokenAlphabet(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// tokenReader reads the fields back, remembering any overrun.
type tokenReader struct {
	b   []byte
	bad bool
}

func (r *tokenReader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.bad = true
		r.b = nil
		return make([]byte, max(n, 0))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *tokenReader) byte() byte  { return r.bytes(1)[0] }
func (r *tokenReader) u32() uint32 { return binary.BigEndian.Uint32(r.bytes(4)) }
func (r *tokenReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) || n > math.MaxInt {
		r.bad, r.b = true, nil
		return ""
	}
	return string(r.bytes(int(n)))
}
func (r *tokenReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *tokenReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}
