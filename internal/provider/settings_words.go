package provider

import (
	"slices"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// The Graph client names the fields of its configuration; these render its
// errors and its list of credential kinds in the provider's words: argument
// names and their environment variables, from the provider's table.

// inTerraformWords is err's message with every *credential.FieldError in it
// naming provider arguments instead of struct fields, and, for a value not
// set, where it may come from.
func inTerraformWords(err error) string {
	msg := err.Error()
	for _, fe := range fieldErrors(err) {
		rendered := fe.Render(argumentName)
		if a, ok := argumentOf(fe.Field); ok && fe.Unset {
			rendered += " (" + strings.Join(a.env, ", ") + ")"
		}
		msg = strings.Replace(msg, fe.Error(), rendered, 1)
	}
	return msg
}

// fieldErrors are the *credential.FieldError in err's tree.
func fieldErrors(err error) []*credential.FieldError {
	var out []*credential.FieldError
	switch e := err.(type) { //nolint:errorlint // walking the tree by hand: errors.As stops at the first match
	case *credential.FieldError:
		return []*credential.FieldError{e}
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			out = append(out, fieldErrors(inner)...)
		}
	case interface{ Unwrap() error }:
		if inner := e.Unwrap(); inner != nil {
			out = append(out, fieldErrors(inner)...)
		}
	}
	return out
}

// argumentName is the provider argument that fills a field; the field's own
// name when no argument does.
func argumentName(field string) string {
	if a, ok := argumentOf(field); ok {
		return a.name
	}
	return field
}

// credentialOrder says, for the provider's documentation, in which order
// credentials are tried (credential.Kinds).
func credentialOrder() string {
	parts := make([]string, 0, len(credential.Kinds()))
	for _, k := range credential.Kinds() {
		parts = append(parts, string(k.ID)+" ("+enabledBy(k)+")")
	}
	return "Credentials are tried in this order, the first one configured being used: " + strings.Join(parts, ", ") + "."
}

// enabledBy names the arguments that select a kind of credential.
func enabledBy(k credential.Kind) string {
	var names []string
	for _, f := range k.Enable {
		a, _ := argumentOf(f)
		switch {
		case a.isBool && a.def:
			names = append(names, "when `"+a.name+"` is true, the default")
		case a.isBool:
			names = append(names, "when `"+a.name+"` is true")
		default:
			names = append(names, "`"+a.name+"`")
		}
	}
	return strings.Join(names, " or ")
}

// credentialHelp lists every way to configure a credential, for the error a
// configuration without one gets.
func credentialHelp() string {
	var b strings.Builder
	b.WriteString("configure one of (tried in this order):")
	for _, k := range credential.Kinds() {
		var named, clauses, switches []string
		for _, f := range k.Enable {
			if a, _ := argumentOf(f); a.isBool {
				switches = append(switches, a.name+" = true")
				named = append(named, f)
			}
		}
		if len(switches) > 0 {
			clauses = append(clauses, strings.Join(switches, " or "))
		}
		for _, req := range k.Needs {
			alts := make([]string, len(req))
			for i, alt := range req {
				alts[i] = joinNames(alt, " with ")
				named = append(named, alt...)
			}
			clauses = append(clauses, strings.Join(alts, " or "))
		}
		if len(k.Optional) > 0 {
			clauses = append(clauses, "optionally "+joinNames(k.Optional, ", "))
			named = append(named, k.Optional...)
		}
		if k.Note != "" {
			clauses = append(clauses, credential.RenderFields(k.Note, argumentName))
		}
		b.WriteString("\n  - " + string(k.ID) + ": " + strings.Join(clauses, "; ") + " (" + strings.Join(envOfFields(named), ", ") + ")")
	}
	return b.String()
}

func joinNames(fields []string, sep string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = argumentName(f)
	}
	return strings.Join(names, sep)
}

// envOfFields lists the environment variables of the arguments that fill
// fields, each once, in order.
func envOfFields(fields []string) []string {
	var out []string
	for _, f := range fields {
		a, _ := argumentOf(f)
		for _, e := range a.env {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}
