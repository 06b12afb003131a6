package export

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

// phoneShaped is the CSV contract's phone number, stated independently of
// the implementation: a sign, then digits, spaces and + - ( ) . only,
// optionally ending in an extension, an x right after a digit and digits.
var phoneShaped = regexp.MustCompile(`^[+-]([0-9 +\-().]*|[0-9 +\-().]*\d[xX]\d+)$`)

// dangerous is the CSV contract's rule: a spreadsheet would run the cell as
// a formula (or read part of it as a cell reference).
func dangerous(s string) bool {
	for _, p := range []string{"=", "@", "\t", "\r"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		return !phoneShaped.MatchString(s)
	}
	return false
}

// cellValue is what a CSV reader gets back for v written as a cell.
func cellValue(tb testing.TB, v string, escape, crlf bool) string {
	tb.Helper()
	line := appendCell(nil, v, escape, crlf)
	line = append(line, ",end"...)
	line = appendLineEnd(line, crlf)
	r := csv.NewReader(bytes.NewReader(line))
	rec, err := r.Read()
	if err != nil {
		tb.Fatalf("cell for %q (%q) does not parse: %v", v, line, err)
	}
	if len(rec) != 2 || rec[1] != "end" {
		tb.Fatalf("cell for %q (%q) parses as %q", v, line, rec)
	}
	return rec[0]
}

// csvRoundTrip is what encoding/csv gives back for a written field: a reader
// turns CRLF inside a quoted field into LF.
func csvRoundTrip(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func TestFormulaEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tSales", "'\tSales"},
		{"\rHidden", "'\rHidden"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "-2+3"},
		{"-2+A3", "'-2+A3"},
		{"+1 (555) 010-0100", "+1 (555) 010-0100"},
		{"+44 20 7946 0958", "+44 20 7946 0958"},
		{"-555.0100", "-555.0100"},
		{"+1 206 555 0199x12", "+1 206 555 0199x12"},
		{"+1 555 0100X12", "+1 555 0100X12"},
		// An x is an extension only right after a digit and before
		// digits alone: elsewhere Excel reads x1 as a cell reference.
		{"+X1", "'+X1"},
		{"-x1+X2", "'-x1+X2"},
		{"+1 206 555 0199 x12", "'+1 206 555 0199 x12"},
		{"+1 (555) 010-0100 x23", "'+1 (555) 010-0100 x23"},
		{"+1x2x3", "'+1x2x3"},
		{"+1x2 3", "'+1x2 3"},
		{"+1x", "'+1x"},
		{"+x", "'+x"},
		{"-1)x2", "'-1)x2"},
		{"+", "+"},
		{"-", "-"},
		{"- 5", "- 5"},
		{"+1,555", "'+1,555"},
		{"+1\n555", "'+1\n555"},
		{"1+1", "1+1"},
		{" =1", " =1"},
		{"a=1", "a=1"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := cellValue(t, tt.in, true, false); got != tt.want {
				t.Errorf("escaped %q = %q, want %q", tt.in, got, tt.want)
			}
			if got := cellValue(t, tt.in, false, false); got != tt.in {
				t.Errorf("unescaped %q = %q, want it unchanged", tt.in, got)
			}
		})
	}
}

// FuzzFormulaEscaping proves that every escaped cell parses back through
// encoding/csv to the value (guarded exactly when the contract says so) and
// never starts with a dangerous character, while escaping off leaves every
// value as it is.
func FuzzFormulaEscaping(f *testing.F) {
	for _, s := range []string{"", "=1", "@a", "\tx", "\rx", "+1 555", "+a", "-", "-1-2", " =x", "\"=\"", "+1\r\n2", "=\r\n",
		"+X1", "-x1+X2", "+1 206 555 0199x12", "+1 206 555 0199 x12", "+1x2x3", "+1x", "-(1)X2"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, v string, crlf bool) {
		want := v
		if dangerous(v) {
			want = "'" + v
		}
		got := cellValue(t, v, true, crlf)
		if got != csvRoundTrip(want) {
			t.Fatalf("escaped %q (crlf=%v) reads back as %q, want %q", v, crlf, got, csvRoundTrip(want))
		}
		if dangerous(got) {
			t.Fatalf("escaped %q reads back as %q, which a spreadsheet would run", v, got)
		}
		if plain := cellValue(t, v, false, crlf); plain != csvRoundTrip(v) {
			t.Fatalf("unescaped %q reads back as %q", v, plain)
		}
	})
}
