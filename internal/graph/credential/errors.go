package credential

import (
	"errors"
	"strings"
)

// ErrNoCredential is the error when no way to obtain a token is
// configured. Callers list the ways (Kinds) in their own words.
var ErrNoCredential = errors.New("no credential configured")

// FieldError is a problem with the value of one field of the configuration:
// a Credentials field, or (from the graph package) a field of its Config.
// Its message never repeats a value that could be a secret.
type FieldError struct {
	Field string // the struct field, e.g. "TenantID"

	// Problem is what is wrong, as a phrase that follows the field's name
	// ("must be a GUID, and is not set"). Other fields it names are written
	// in braces ("and {OIDCRequestToken} must be set together"), so that a
	// caller can name them its own way (Render).
	Problem string

	// Unset: the field has no value. A caller may add where a value can
	// come from.
	Unset bool

	Err error // the cause, if any (a file that cannot be read)
}

func (e *FieldError) Error() string { return e.Render(func(field string) string { return field }) }

func (e *FieldError) Unwrap() error { return e.Err }

// Render writes the error with each field named by name(field).
func (e *FieldError) Render(name func(field string) string) string {
	msg := name(e.Field) + " " + RenderFields(e.Problem, name)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// RenderFields writes text with each field it names in braces ("{TenantID}")
// named by name(field).
func RenderFields(text string, name func(field string) string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(text, '{')
		end := strings.IndexByte(text[open+1:], '}')
		if open < 0 || end < 0 {
			break
		}
		b.WriteString(text[:open])
		b.WriteString(name(text[open+1 : open+1+end]))
		text = text[open+end+2:]
	}
	b.WriteString(text)
	return b.String()
}

// fieldError is a FieldError for a value that is set.
func fieldError(field, problem string) *FieldError {
	return &FieldError{Field: field, Problem: problem}
}
