package export

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// Columns that read one field of a complex property, named by its OData
// path (parent/field), and directory extension attributes.

// nestedColumns are the fields of complex user properties that reviewers
// ask for as columns of their own.
func nestedColumns() []column {
	cols := []column{
		signIn(nested("signInActivity", "lastSignInDateTime", func(u *directory.User) json.RawMessage { return u.SignInActivity })),
		signIn(nested("signInActivity", "lastSuccessfulSignInDateTime", func(u *directory.User) json.RawMessage { return u.SignInActivity })),
		signIn(nested("signInActivity", "lastNonInteractiveSignInDateTime", func(u *directory.User) json.RawMessage { return u.SignInActivity })),
		nested("employeeOrgData", "costCenter", func(u *directory.User) json.RawMessage { return u.EmployeeOrgData }),
		nested("employeeOrgData", "division", func(u *directory.User) json.RawMessage { return u.EmployeeOrgData }),
	}
	for i := 1; i <= 15; i++ {
		cols = append(cols, nested("onPremisesExtensionAttributes", "extensionAttribute"+strconv.Itoa(i),
			func(u *directory.User) json.RawMessage { return u.OnPremisesExtensionAttributes }))
	}
	return cols
}

// nested is the column parent/field: the field of the complex property
// parent, which is what is $selected.
func nested(parent, field string, raw func(u *directory.User) json.RawMessage) column {
	return column{name: parent + "/" + field, property: parent, appendTo: func(dst []byte, u *directory.User) []byte {
		v, ok := jsonMember(raw(u), field)
		if !ok {
			return dst
		}
		return appendJSONValue(dst, v)
	}}
}

// extensionPrefix begins a directory extension attribute's name:
// extension_<the owning application's id without dashes>_<name>.
const extensionPrefix = "extension_"

// isExtensionName reports whether name has the shape of a directory
// extension attribute: extension_, 32 hexadecimal digits, _, and a name of
// letters, digits and underscores.
func isExtensionName(name string) bool {
	rest, ok := strings.CutPrefix(name, extensionPrefix)
	if !ok || len(rest) < 34 || rest[32] != '_' {
		return false
	}
	for i := range 32 {
		if !isHexDigit(rest[i]) {
			return false
		}
	}
	for _, c := range []byte(rest[33:]) {
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// extensionColumn writes an extension attribute as Graph returns it, by the
// CSV contract's rules for its JSON type.
func extensionColumn(name string) column {
	return column{name: name, property: name, appendTo: func(dst []byte, u *directory.User) []byte {
		return appendJSONValue(dst, u.Extensions[name])
	}}
}

// appendJSONValue appends a JSON value by the CSV contract's rules: a string
// as its text, true and false as True and False, null as nothing, a
// collection of scalars joined with ';', anything else as compact JSON.
func appendJSONValue(dst, raw []byte) []byte {
	raw = trimJSONSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return dst
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return append(dst, s...)
		}
	case string(raw) == "true":
		return append(dst, "True"...)
	case string(raw) == "false":
		return append(dst, "False"...)
	case raw[0] == '[':
		if joined, ok := appendScalars(dst, raw); ok {
			return joined
		}
	}
	return appendCompactJSON(dst, raw)
}

// appendScalars joins an array of strings, numbers and booleans with ';';
// false when it holds anything else.
func appendScalars(dst, raw []byte) ([]byte, bool) {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return dst, false
	}
	start := len(dst)
	for i, it := range items {
		it = trimJSONSpace(it)
		if len(it) == 0 || it[0] == '[' || it[0] == '{' || string(it) == "null" {
			return dst[:start], false
		}
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = appendJSONValue(dst, it)
	}
	return dst, true
}

func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonMember finds the value of a top-level member of a JSON object without
// decoding the rest or allocating; false when raw is not an object or has no
// such member. A user's signInActivity holds several members, and an export
// reads millions of them.
func jsonMember(raw []byte, name string) ([]byte, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		keyEnd := skipString(raw, i)
		if keyEnd < 0 {
			return nil, false
		}
		key := raw[i+1 : keyEnd-1]
		i = skipSpace(raw, keyEnd)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		valStart := skipSpace(raw, i+1)
		valEnd := skipValue(raw, valStart)
		if valEnd < 0 {
			return nil, false
		}
		if string(key) == name {
			return raw[valStart:valEnd], true
		}
		i = skipSpace(raw, valEnd)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string that begins at i, or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value that begins at i, or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	if b[i] == '"' {
		return skipString(b, i)
	}
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			if j = skipString(b, j); j < 0 {
				return -1
			}
			j--
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j
			}
			depth--
			if depth == 0 {
				return j + 1
			}
		case ',':
			if depth == 0 {
				return j
			}
		}
	}
	if depth != 0 {
		return -1
	}
	return len(b)
}
