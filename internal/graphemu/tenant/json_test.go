package tenant

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"line\nfeed\rreturn\ttab", `"line\nfeed\rreturn\ttab"`},
		{"\b\f\x00\x1f", `"\b\f\u0000\u001f"`},
		{"séparateur\u2028ligne\u2029", `"séparateur\u2028ligne\u2029"`},
		{"bad \xff utf-8 \xe2\x82", `"bad \ufffd utf-8 \ufffd\ufffd"`},
		{"王伟 <tag> & 'x'", `"王伟 <tag> & 'x'"`},
		{"\x7f", "\"\x7f\""},
	}
	for _, c := range cases {
		if got := string(appendString(nil, c.in)); got != c.want {
			t.Errorf("appendString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\u2028", "\xff\xfe", "\x00", "é", "\\u0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString([]byte("x"), s)[1:]
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); back != want && utf8.ValidString(s) {
			t.Fatalf("%q round-trips to %q", s, back)
		}
		if strings.ContainsAny(string(out), "\u2028\u2029") {
			t.Fatalf("%q: U+2028/U+2029 left unescaped in %s", s, out)
		}
	})
}

func TestEncodeUserShapes(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	sel := []prop{}
	for p := range numProps {
		sel = append(sel, p)
	}
	u, _ := tn.Lookup("adele.vance@contoso.onmicrosoft.com")
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(appendUser(nil, &u, tn.cat.fields(sel), ""), &obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"assignedLicenses":          `[{"disabledPlans":[],"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900"}]`,
		"authorizationInfo":         `{"certificateUserIds":[]}`,
		"passwordProfile":           `null`,
		"employeeOrgData":           `null`,
		"imAddresses":               `[]`,
		"accountEnabled":            `true`,
		"showInAddressList":         `null`,
		"faxNumber":                 `null`,
		"skills":                    `[]`,
		"aboutMe":                   `null`,
		"serviceProvisioningErrors": `[]`,
	}
	for k, v := range want {
		if string(obj[k]) != v {
			t.Errorf("%s = %s, want %s", k, obj[k], v)
		}
	}
	if len(obj) != int(numProps) {
		t.Errorf("%d properties encoded, want %d", len(obj), numProps)
	}
	var plans []map[string]any
	if err := json.Unmarshal(obj["assignedPlans"], &plans); err != nil || len(plans) != 3 {
		t.Errorf("assignedPlans = %s (%v)", obj["assignedPlans"], err)
	}
}
