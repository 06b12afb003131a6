package report

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestTopLevelString(t *testing.T) {
	t.Parallel()
	const name = "lastSignInDateTime"
	tests := []struct {
		obj, want string
		ok        bool
	}{
		{`{"lastSignInDateTime":"2024-01-10T08:00:00Z","lastSignInRequestId":"x"}`, "2024-01-10T08:00:00Z", true},
		{` { "a" : [1, {"lastSignInDateTime":"nested"}], "lastSignInDateTime" : "top" } `, "top", true},
		{`{"a":{"lastSignInDateTime":"nested"}}`, "", false},
		{`{"a":"\"lastSignInDateTime\":\"inside a string\""}`, "", false},
		{`{"lastSignInDateTime":null}`, "", false},
		{`{"lastSignInDateTime":12}`, "", false},
		{`{"lastSignInDateTime":"first","lastSignInDateTime":"last"}`, "last", true},
		{`{"lastSign\u0049nDateTime":"escaped key"}`, "escaped key", true},
		{`{"lastSignInDateTime":"esc\u0061ped"}`, "escaped", true},
		{`{"LastSignInDateTime":"other case"}`, "", false},
		{``, "", false},
		{`[]`, "", false},
		{`null`, "", false},
		{`{"lastSignInDateTime":"unterminated`, "", false},
		{`{"lastSignInDateTime"`, "", false},
		{`{"a":{"b":[}`, "", false},
	}
	for _, tt := range tests {
		got, ok := topLevelString([]byte(tt.obj), name)
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("topLevelString(%s) = %q, %v; want %q, %v", tt.obj, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzTopLevelString holds topLevelString to encoding/json on valid JSON
// objects, and to not panicking on anything.
func FuzzTopLevelString(f *testing.F) {
	for _, s := range []string{
		`{"lastSignInDateTime":"2024-01-10T08:00:00Z","lastSuccessfulSignInDateTime":null}`,
		`{"a":[1,2,{"b":"c"}],"lastSignInDateTime":"x\"y"}`,
		`{"lastSignInDateTime":true}`,
		` {"lastSign\u0049nDateTime" : "k"} `,
		`{"x":-1.5e3,"lastSignInDateTime":"y","z":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		got, ok := topLevelString(obj, "lastSignInDateTime")
		if !json.Valid(obj) || !utf8.Valid(obj) {
			return
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(obj, &members) != nil {
			return // valid JSON, not an object
		}
		var want string
		wantOK := json.Unmarshal(members["lastSignInDateTime"], &want) == nil && len(members["lastSignInDateTime"]) > 0 && members["lastSignInDateTime"][0] == '"'
		if ok != wantOK || (ok && string(got) != want) {
			t.Fatalf("topLevelString(%s) = %q, %v; encoding/json says %q, %v", obj, got, ok, want, wantOK)
		}
	})
}
