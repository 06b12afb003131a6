package graph

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// userPage is one page of GET /users, decoded by encoding/json straight into
// directory.User: kiota's parse nodes would cost about ten times the CPU and
// allocations for the same page.
type userPage struct {
	Value    *[]directory.User `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
	Count    *int64            `json:"@odata.count"`
}

// errNoValue: a 200 body without "value" is not a page (a cut-off body that
// still parsed, or an intermediary's answer).
var errNoValue = errors.New(`the page has no "value" array`)

// decodePage decodes a page of up to capHint users, with the extension
// attributes ext. The slice is sized up front: encoding/json appends into
// its capacity, where letting it grow would copy the 1 KB structs over and
// over.
func decodePage(body []byte, capHint int, ext []string) (userPage, error) {
	users := make([]directory.User, 0, capHint)
	p := userPage{Value: &users}
	if err := json.Unmarshal(body, &p); err != nil {
		return userPage{}, err
	}
	if p.Value == nil {
		return userPage{}, errNoValue
	}
	if len(ext) > 0 {
		if err := decodeExtensions(body, users, ext); err != nil {
			return userPage{}, err
		}
	}
	return p, nil
}

// decodeExtensions reads the page's extension attributes, whose names only
// the query knows: a second pass over the page, paid only when the query
// selects some.
func decodeExtensions(body []byte, users []directory.User, ext []string) error {
	var raw struct {
		Value []map[string]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return err
	}
	if len(raw.Value) != len(users) {
		return errors.New("the page's users and their extension attributes do not line up")
	}
	for i, obj := range raw.Value {
		setExtensions(&users[i], obj, ext)
	}
	return nil
}

// decodeUserExtensions reads one user's extension attributes from the body
// of a single-user response.
func decodeUserExtensions(body []byte, u *directory.User, ext []string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return err
	}
	setExtensions(u, obj, ext)
	return nil
}

// setExtensions copies the attributes ext names from the user's JSON object.
func setExtensions(u *directory.User, obj map[string]json.RawMessage, ext []string) {
	for _, name := range ext {
		if v, ok := obj[name]; ok {
			if u.Extensions == nil {
				u.Extensions = make(map[string]json.RawMessage, len(ext))
			}
			u.Extensions[name] = v
		}
	}
}

// users returns the page's users (never nil after a successful decode).
func (p userPage) users() []directory.User { return *p.Value }

// decodeCount reads the text/plain body of /users/$count.
func decodeCount(body []byte) (int64, error) {
	s := strings.TrimSpace(strings.TrimPrefix(string(body), "\uFEFF"))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("the count is not a non-negative integer")
	}
	return n, nil
}

// idKey identifies a user in the sets that keep deliveries unique: 64 bits
// of its object id (a GUID: the two halves folded together), or of the
// SHA-256 of an id that is not a GUID, which Graph does not send. Eight
// bytes instead of a 36-character string keep the sets small. Two users of
// one partition sharing a key (odds about 1 in 10^11 for a partition of
// 5,000 random GUIDs) would not go unnoticed: the partition would list one
// user short of Graph's count, and the read would fail as incomplete.
type idKey uint64

func keyOf(id string) idKey {
	var g [32]byte
	if u, ok := credential.ParseGUID(id); ok {
		copy(g[:], u[:])
	} else {
		g = sha256.Sum256([]byte(id))
	}
	return idKey(binary.LittleEndian.Uint64(g[:8]) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(g[8:16]), 31))
}
