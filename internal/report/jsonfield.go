package report

import (
	"bytes"
	"encoding/json"
)

// A column named signInActivity holds Graph's signInActivity object as
// compact JSON. The report needs two of its strings per row, so it walks the
// object's top level instead of decoding it, which would allocate for every
// user.

// topLevelString returns the value of the string member name of the JSON
// object obj. ok is false when obj is not an object, has no such member, or
// the member is not a string (null included). When name appears more than
// once the last wins, as with encoding/json. Escapes are decoded (allocating,
// which Graph's date-times never need); invalid JSON gives no guarantee
// beyond not panicking.
func topLevelString(obj []byte, name string) (val []byte, ok bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return val, ok // '}' ends the object; anything else is not JSON
		}
		key, end := scanString(obj, i)
		if end < 0 {
			return nil, false
		}
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipSpace(obj, i+1)
		start := i
		if i = skipValue(obj, i); i < 0 {
			return nil, false
		}
		if keyIs(key, name) {
			val, ok = stringValue(obj[start:i])
		}
		i = skipSpace(obj, i)
		if i < len(obj) && obj[i] == ',' {
			i++
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the string token that starts at b[i] (quotes included)
// and the index after it, or -1 when it does not end.
func scanString(b []byte, i int) (tok []byte, end int) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return b[i : j+1], j + 1
		}
	}
	return nil, -1
}

// skipValue returns the index after the JSON value that starts at b[i], or
// -1 when it does not end.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	if b[i] == '"' {
		_, end := scanString(b, i)
		return end
	}
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			_, end := scanString(b, i)
			if end < 0 {
				return -1
			}
			i = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	if depth != 0 {
		return -1
	}
	return i
}

// keyIs reports whether the string token key names name.
func keyIs(key []byte, name string) bool {
	body := key[1 : len(key)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body) == name
	}
	var s string
	return json.Unmarshal(key, &s) == nil && s == name
}

// stringValue returns the text of a string token; other values are not
// strings.
func stringValue(tok []byte) ([]byte, bool) {
	if len(tok) < 2 || tok[0] != '"' {
		return nil, false
	}
	body := tok[1 : len(tok)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return body, true
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}
