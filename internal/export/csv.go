package export

import (
	"unicode"
	"unicode/utf8"
)

// text is what a cell can be built from: the string fields of a user, or
// bytes assembled in a scratch buffer (joined collections, compact JSON).
// One generic implementation serves both without converting, which would
// allocate on the hot path.
type text interface {
	string | []byte
}

// appendField appends f as one CSV field, quoted exactly as encoding/csv's
// Writer (Comma ',') quotes it. encoding/csv is the reference; it is not used
// because it takes a []string per record, which would cost an allocation per
// row and a copy per cell.
func appendField[T text](dst []byte, f T, crlf bool) []byte {
	if !fieldNeedsQuotes(f) {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	dst = appendQuotedBody(dst, f, crlf)
	return append(dst, '"')
}

// fieldNeedsQuotes mirrors encoding/csv: quote a field holding a comma, a
// quote, CR or LF, one that begins with a Unicode space, and `\.` (which
// PostgreSQL's COPY reads as end of data).
func fieldNeedsQuotes[T text](f T) bool {
	if len(f) == 0 {
		return false
	}
	if len(f) == 2 && f[0] == '\\' && f[1] == '.' {
		return true
	}
	if hasQuotable(f) {
		return true
	}
	return beginsWithSpace(f)
}

// hasQuotable reports whether f holds a byte that forces quoting.
func hasQuotable[T text](f T) bool {
	for i := range len(f) {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// beginsWithSpace reports whether the first rune of f is a Unicode space, as
// utf8.DecodeRuneInString + unicode.IsSpace see it (invalid UTF-8 decodes to
// U+FFFD, which is not a space).
func beginsWithSpace[T text](f T) bool {
	if f[0] < utf8.RuneSelf {
		switch f[0] {
		case '\t', '\n', '\v', '\f', '\r', ' ':
			return true
		}
		return false
	}
	var head [utf8.UTFMax]byte
	n := copy(head[:], f)
	r, _ := utf8.DecodeRune(head[:n])
	return unicode.IsSpace(r)
}

// appendQuotedBody appends the inside of a quoted field: quotes doubled and,
// with CRLF line endings, a bare LF written as CRLF (as encoding/csv does).
//
// One deliberate departure from encoding/csv: it drops every CR inside a
// quoted field when UseCRLF is on, so "a\rb" would be exported as "ab". An
// audit export must not lose bytes, so CR is always kept; a CSV reader gives
// it back unchanged.
func appendQuotedBody[T text](dst []byte, f T, crlf bool) []byte {
	start := 0
	for i := range len(f) {
		c := f[i]
		if c != '"' && c != '\n' {
			continue
		}
		dst = append(dst, f[start:i]...)
		start = i + 1
		switch {
		case c == '"':
			dst = append(dst, '"', '"')
		case crlf && (i == 0 || f[i-1] != '\r'):
			dst = append(dst, '\r', '\n')
		default:
			dst = append(dst, '\n')
		}
	}
	return append(dst, f[start:]...)
}

// endRecord terminates the record that began at start in dst, holding n
// fields. A record of one empty field is written as "" rather than as the
// empty line encoding/csv writes: CSV readers skip empty lines, so that row
// would silently disappear from a one-column export.
func endRecord(dst []byte, start, n int, crlf bool) []byte {
	if n == 1 && len(dst) == start {
		dst = append(dst, '"', '"')
	}
	return appendLineEnd(dst, crlf)
}

// appendLineEnd terminates a record.
func appendLineEnd(dst []byte, crlf bool) []byte {
	if crlf {
		return append(dst, '\r', '\n')
	}
	return append(dst, '\n')
}

// encodeRecord encodes a whole record of plain fields (the headers).
func encodeRecord(fields []string, crlf bool) []byte {
	var dst []byte
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendField(dst, f, crlf)
	}
	return endRecord(dst, 0, len(fields), crlf)
}
