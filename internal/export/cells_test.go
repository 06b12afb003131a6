package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBoolText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *bool
		want string
	}{{nil, ""}, {ptr(true), "True"}, {ptr(false), "False"}}
	for _, tt := range tests {
		if got := boolText(tt.in); got != tt.want {
			t.Errorf("boolText(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCollections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          []string
		first, join string
	}{
		{nil, "", ""},
		{[]string{}, "", ""},
		{[]string{"a"}, "a", "a"},
		{[]string{"a", "", "c;d"}, "a", "a;;c;d"},
	}
	for _, tt := range tests {
		if got := first(tt.in); got != tt.first {
			t.Errorf("first(%q) = %q, want %q", tt.in, got, tt.first)
		}
		if got := string(appendJoined(nil, tt.in)); got != tt.join {
			t.Errorf("joined(%q) = %q, want %q", tt.in, got, tt.join)
		}
	}
}

func TestAppendCompactJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"absent", "", ""},
		{"null", "null", ""},
		{"null with spaces", " \n null\t", ""},
		{"string null is a value", `"null"`, `"null"`},
		{"object", `{ "a" : 1 , "b" : [ true , null ] }`, `{"a":1,"b":[true,null]}`},
		{"spaces inside strings kept", `{"a b" : "c  d\t"}`, `{"a b":"c  d\t"}`},
		{"escaped quote", `["a \" b" , "\\" , "c"]`, `["a \" b","\\","c"]`},
		{"escapes verbatim", `["\u00e9\n"]`, `["\u00e9\n"]`},
		{"non-ASCII", `{"city" : "Malmö"}`, `{"city":"Malmö"}`},
		{"empty array", `[ ]`, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(appendCompactJSON([]byte("prefix:"), []byte(tt.in)))
			if got != "prefix:"+tt.want {
				t.Errorf("got %q, want %q", got, "prefix:"+tt.want)
			}
		})
	}
}

// FuzzAppendCompactJSON proves the compaction equals encoding/json's for
// every valid JSON value.
func FuzzAppendCompactJSON(f *testing.F) {
	for _, s := range []string{`null`, `{"a" : [1, 2]}`, `" \" "`, `["\\", " "]`, "\t{ }\n", `"\u2028<&>"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			appendCompactJSON(nil, raw) // must not panic
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, raw); err != nil {
			t.Fatalf("json.Compact(%q): %v", raw, err)
		}
		if want.String() == "null" {
			want.Reset()
		}
		if got := appendCompactJSON(nil, raw); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compact(%q) = %q, want %q", raw, got, want.Bytes())
		}
	})
}

func TestAppendLower(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "ABC@Contoso.COM", "Zoë.ÅNGSTRÖM", "İpek", "ΣΑΣ", "\xffA", "a\uFFFDB", "ǅ"} {
		want := strings.ToLower(s)
		if got := string(appendLower(nil, s)); got != want {
			t.Errorf("appendLower(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzAppendLower proves the sort key is strings.ToLower byte for byte,
// invalid UTF-8 included.
func FuzzAppendLower(f *testing.F) {
	for _, s := range []string{"", "A", "Ä", "İ", "\xff", "\xe2\x82", "ẞ", "ＡＢ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := string(appendLower([]byte("k"), s)); got != "k"+strings.ToLower(s) {
			t.Fatalf("appendLower(%q) = %q, want %q", s, got[1:], strings.ToLower(s))
		}
	})
}
