package export

import (
	"unicode"
	"unicode/utf8"
)

// Cell values for what Graph sends as something other than a plain string.

// boolText writes Graph booleans the way the portal does; null is empty.
func boolText(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "True"
	default:
		return "False"
	}
}

// first returns the first element of a collection, or "" when it is empty
// (telephoneNumber is businessPhones[0]: Graph allows only one).
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// appendJoined appends the elements of a collection separated by ';'.
func appendJoined(dst []byte, s []string) []byte {
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, v...)
	}
	return dst
}

// appendCompactJSON appends a complex value as Graph sent it, without the
// whitespace between tokens, so that the cell does not depend on how the
// response was formatted. JSON null (and an absent value) is an empty cell.
// Bytes inside strings are copied untouched, escapes included; input that is
// not valid JSON is copied the same way, minus whitespace outside strings.
func appendCompactJSON(dst, raw []byte) []byte {
	start := len(dst)
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			dst = append(dst, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			dst = append(dst, c)
			inString = c == '"'
		}
	}
	if string(dst[start:]) == "null" {
		return dst[:start]
	}
	return dst
}

// appendLower appends strings.ToLower(s) without allocating: the sort key.
// It matches strings.ToLower byte for byte, including its mapping of invalid
// UTF-8 to U+FFFD, because the row order is defined by strings.ToLower.
func appendLower(dst []byte, s string) []byte {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return appendLowerUnicode(dst, s)
		}
	}
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func appendLowerUnicode(dst []byte, s string) []byte {
	for _, r := range s {
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}
