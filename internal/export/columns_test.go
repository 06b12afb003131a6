package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

func TestDefaultColumnsArePortalOrder(t *testing.T) {
	t.Parallel()
	want := []string{
		"userPrincipalName", "displayName", "surname", "mail", "givenName", "objectId", "userType",
		"jobTitle", "department", "accountEnabled", "usageLocation", "streetAddress", "state", "country",
		"physicalDeliveryOfficeName", "city", "postalCode", "telephoneNumber", "mobile",
		"authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail",
		"alternateEmailAddress", "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification",
	}
	got := DefaultColumns()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultColumns (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if DefaultColumns()[0] != "userPrincipalName" {
		t.Error("DefaultColumns returns the catalogue's own slice")
	}
}

func TestPortalColumnSources(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"objectId":                             "id",
		"physicalDeliveryOfficeName":           "officeLocation",
		"telephoneNumber":                      "businessPhones",
		"mobile":                               "mobilePhone",
		"alternateEmailAddress":                "otherMails",
		"authenticationPhoneNumber":            "",
		"authenticationAlternativePhoneNumber": "",
		"authenticationEmail":                  "",
		"legalAgeGroupClassification":          "legalAgeGroupClassification",
	}
	for name, prop := range want {
		if got := newCatalogue().byName[name].property; got != prop {
			t.Errorf("column %s reads %q, want %q", name, got, prop)
		}
	}
}

// Every property a directory.User can hold is a column under its Graph name,
// reading that property: a field added to the vocabulary without a column
// fails here.
func TestEveryUserPropertyIsAColumn(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[directory.User]()
	for i := range typ.NumField() {
		name := jsonName(typ.Field(i))
		if name == "" {
			continue
		}
		c, ok := newCatalogue().byName[name]
		if !ok {
			t.Errorf("property %s has no column", name)
			continue
		}
		if c.property != name {
			t.Errorf("column %s reads property %q", name, c.property)
		}
	}
}

// Every authentication method a directory.AuthMethods can hold shows in some
// column, one that asks for the methods API: a method added to the
// vocabulary without a column, or a column that reads it without asking,
// fails here.
func TestEveryAuthMethodIsAColumn(t *testing.T) {
	t.Parallel()
	cat := newCatalogue()
	typ := reflect.TypeFor[directory.AuthMethods]()
	for i := range typ.NumField() {
		field := typ.Field(i)
		if field.Type.Kind() != reflect.String {
			t.Errorf("AuthMethods.%s is a %v: teach this test to fill it", field.Name, field.Type)
			continue
		}
		var auth directory.AuthMethods
		marker := "v-" + field.Name
		reflect.ValueOf(&auth).Elem().Field(i).SetString(marker)
		u := directory.User{Auth: &auth}
		shown := false
		for _, name := range cat.names {
			c := cat.byName[name]
			enc := rowEncoder{cols: []*column{c}}
			row, _ := enc.appendRow(nil, nil, &u)
			if !strings.Contains(string(row), marker) {
				continue
			}
			shown = true
			if !c.needsAuthMethods() {
				t.Errorf("column %s shows AuthMethods.%s but reads property %q, so the methods are never asked for",
					name, field.Name, c.property)
			}
		}
		if !shown {
			t.Errorf("AuthMethods.%s is shown by no column", field.Name)
		}
	}
}

// Each column's cell changes when, and only when, its own property does:
// catches a column wired to the wrong field.
func TestColumnsReadTheirOwnProperty(t *testing.T) {
	t.Parallel()
	full := fullUser()
	for _, name := range validColumnNames() {
		c := newCatalogue().byName[name]
		q := directory.Query{Select: []string{c.property}, AuthMethods: c.needsAuthMethods(), Registration: c.source == fromRegistration}
		only := selectOnly(full, q)
		var none directory.User
		if c.source == fromList {
			none = selectOnly(full, directory.Query{Select: []string{"-"}, AuthMethods: true, Registration: true})
		}
		enc := rowEncoder{cols: []*column{c}}
		onlyRow, _ := enc.appendRow(nil, nil, &only)
		fullRow, _ := enc.appendRow(nil, nil, &full)
		noneRow, _ := enc.appendRow(nil, nil, &none)
		if !bytes.Equal(onlyRow, fullRow) {
			t.Errorf("column %s: cell depends on more than %q: %q vs %q", name, c.property, onlyRow, fullRow)
		}
		if bytes.Equal(noneRow, fullRow) {
			t.Errorf("column %s: cell %q does not depend on %q", name, fullRow, c.property)
		}
	}
}

func TestValidColumnNames(t *testing.T) {
	t.Parallel()
	names := validColumnNames()
	if !slices.IsSorted(names) {
		t.Error("validColumnNames is not sorted")
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Error("validColumnNames has duplicates")
	}
	for _, n := range append(DefaultColumns(), "employeeId", "companyName", "createdDateTime", "creationType",
		"onPremisesSyncEnabled", "mailNickname", "proxyAddresses", "businessPhones", "id", "officeLocation",
		"mobilePhone", "otherMails", "assignedLicenses") {
		if !slices.Contains(names, n) {
			t.Errorf("validColumnNames lacks %s", n)
		}
	}
}

func TestValidateColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		columns []string
		want    []string // substrings of the error; nil = valid
	}{
		{"defaults", DefaultColumns(), nil},
		{"every name", validColumnNames(), nil},
		{"graph names", []string{"id", "employeeId", "proxyAddresses"}, nil},
		{"nil", nil, []string{"no columns", "userPrincipalName, "}},
		{"empty", []string{}, []string{"no columns", "valid column names"}},
		{"duplicate", []string{"mail", "displayName", "mail", "mail"}, []string{`duplicated column "mail"`, "valid column names"}},
		{"wrong case", []string{"UserPrincipalName"}, []string{`unknown column "UserPrincipalName" (did you mean "userPrincipalName"?)`}},
		{"typo", []string{"dispalyName"}, []string{`unknown column "dispalyName" (did you mean "displayName"?)`}},
		{"far off", []string{"shoeSize"}, []string{`unknown column "shoeSize"`, "valid column names (case-sensitive): accountEnabled, "}},
		{"empty name", []string{""}, []string{`unknown column ""`}},
		{"several", []string{"mail", "x", "mail", "Mail"}, []string{`unknown column "x"`, `duplicated column "mail"`, `unknown column "Mail" (did you mean "mail"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateColumns(tt.columns)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateColumns: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ValidateColumns accepted an invalid list")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Count(err.Error(), `"far off"`) > 0 || strings.Count(err.Error(), "duplicated") > 1 {
				t.Errorf("error repeats itself: %q", err)
			}
			if !strings.Contains(err.Error(), "legalAgeGroupClassification") {
				t.Errorf("error does not list the valid names: %q", err)
			}
		})
	}
}

func TestAuthColumns(t *testing.T) {
	t.Parallel()
	got := AuthColumns(append(DefaultColumns(), "nonsense"))
	want := []string{"authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AuthColumns (-want +got):\n%s", diff)
	}
	if got := AuthColumns([]string{"mail", "id"}); got != nil {
		t.Errorf("AuthColumns without auth columns = %q", got)
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	portal := []string{
		"id", "userPrincipalName", "displayName", "surname", "mail", "givenName", "userType", "jobTitle",
		"department", "accountEnabled", "usageLocation", "streetAddress", "state", "country", "officeLocation",
		"city", "postalCode", "businessPhones", "mobilePhone", "otherMails", "ageGroup",
		"consentProvidedForMinor", "legalAgeGroupClassification",
	}
	const ext = "extension_0123456789abcdef0123456789ABCDEF_costCentre"
	tests := []struct {
		name    string
		columns []string
		want    directory.Query
	}{
		{"portal", DefaultColumns(), directory.Query{Select: portal, Tracked: portal, AuthMethods: true}},
		{"shared sources once", []string{"mobile", "mobilePhone", "telephoneNumber", "businessPhones", "objectId"}, directory.Query{
			Select:  []string{"id", "userPrincipalName", "mobilePhone", "businessPhones"},
			Tracked: []string{"id", "userPrincipalName", "mobilePhone", "businessPhones"}}},
		{"auth only", []string{"authenticationEmail"}, directory.Query{
			Select: []string{"id", "userPrincipalName"}, Tracked: []string{"id", "userPrincipalName"}, AuthMethods: true}},
		{"sign-in paths: small pages, not tracked", []string{"displayName", "signInActivity/lastSignInDateTime", "signInActivity"}, directory.Query{
			Select:  []string{"id", "userPrincipalName", "displayName", "signInActivity"},
			Tracked: []string{"id", "userPrincipalName", "displayName"}, PageSize: signInPageSize}},
		{"nested and extension", []string{"onPremisesExtensionAttributes/extensionAttribute3", "employeeOrgData/division", ext}, directory.Query{
			Select:  []string{"id", "userPrincipalName", "onPremisesExtensionAttributes", "employeeOrgData", ext},
			Tracked: []string{"id", "userPrincipalName", "onPremisesExtensionAttributes", "employeeOrgData", ext}}},
		{"registration", []string{"isMfaRegistered", "methodsRegistered"}, directory.Query{
			Select: []string{"id", "userPrincipalName"}, Tracked: []string{"id", "userPrincipalName"}, Registration: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := ValidateColumns(tt.columns); err != nil {
				t.Fatal(err)
			}
			p := &plan{enc: rowEncoder{cols: newCatalogue().lookup(tt.columns)}}
			if diff := cmp.Diff(tt.want, p.query(directory.Query{})); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

// Column names shaped like extension attributes are accepted; others that
// look close are not.
func TestExtensionNames(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"extension_0123456789abcdef0123456789abcdef_costCentre": true,
		"extension_0123456789ABCDEF0123456789abcdef_a_b_1":      true,
		"extension_0123456789abcdef0123456789abcde_short":       false,
		"extension_0123456789abcdef0123456789abcdeg_notHex":     false,
		"extension_0123456789abcdef0123456789abcdef_":           false,
		"extension_0123456789abcdef0123456789abcdef_has-dash":   false,
		"Extension_0123456789abcdef0123456789abcdef_x":          false,
	} {
		if got := isExtensionName(name); got != want {
			t.Errorf("isExtensionName(%q) = %v, want %v", name, got, want)
		}
		if err := ValidateColumns([]string{name}); (err == nil) != want {
			t.Errorf("ValidateColumns(%q) = %v", name, err)
		}
	}
}

// A column list is bounded: the changes report numbers columns in 16 bits,
// and no real list comes near the bound.
func TestTooManyColumns(t *testing.T) {
	t.Parallel()
	names := make([]string, 0, maxColumns+1)
	for i := range maxColumns + 1 {
		names = append(names, fmt.Sprintf("extension_0123456789abcdef0123456789abcdef_a%d", i))
	}
	if err := ValidateColumns(names[:maxColumns]); err != nil {
		t.Errorf("%d columns: %v", maxColumns, err)
	}
	err := ValidateColumns(names)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("at most %d", maxColumns)) {
		t.Errorf("%d columns: %v", len(names), err)
	}
}

// Nested paths, extension attributes and registration columns write what
// Graph sent by the CSV contract's rules.
func TestMoreCells(t *testing.T) {
	t.Parallel()
	const ext = "extension_0123456789abcdef0123456789abcdef_tags"
	u := directory.User{
		SignInActivity:                json.RawMessage(`{"lastSignInDateTime":"2024-05-01T10:00:00Z","lastSignInRequestId":"r1","lastNonInteractiveSignInDateTime":null}`),
		EmployeeOrgData:               json.RawMessage(` { "division" : "Retail, \"Online\"" , "costCenter":"CC-1" }`),
		OnPremisesExtensionAttributes: json.RawMessage(`{"extensionAttribute1":"=x","extensionAttribute2":null}`),
		Extensions: map[string]json.RawMessage{
			ext: json.RawMessage(`["a", "b", 3, true]`),
			"extension_0123456789abcdef0123456789abcdef_flag": json.RawMessage(`false`),
			"extension_0123456789abcdef0123456789abcdef_obj":  json.RawMessage(`{"a": [1, 2]}`),
		},
		Registration: &directory.RegistrationDetails{
			IsMfaRegistered: ptr(true), IsAdmin: ptr(false), MethodsRegistered: []string{"microsoftAuthenticatorPush", "fido2"},
			LastUpdatedDateTime: "2024-06-01T00:00:00Z",
		},
	}
	want := map[string]string{
		"signInActivity/lastSignInDateTime":                 `2024-05-01T10:00:00Z`,
		"signInActivity/lastNonInteractiveSignInDateTime":   ``,
		"signInActivity/lastSuccessfulSignInDateTime":       ``,
		"employeeOrgData/division":                          `"Retail, ""Online"""`,
		"employeeOrgData/costCenter":                        `CC-1`,
		"onPremisesExtensionAttributes/extensionAttribute1": `'=x`,
		"onPremisesExtensionAttributes/extensionAttribute2": ``,
		ext: `a;b;3;True`,
		"extension_0123456789abcdef0123456789abcdef_flag":  `False`,
		"extension_0123456789abcdef0123456789abcdef_obj":   `"{""a"":[1,2]}"`,
		"extension_0123456789abcdef0123456789abcdef_other": ``,
		"isMfaRegistered":                 `True`,
		"isAdmin":                         `False`,
		"isSsprCapable":                   ``,
		"methodsRegistered":               `microsoftAuthenticatorPush;fido2`,
		"registrationLastUpdatedDateTime": `2024-06-01T00:00:00Z`,
	}
	for name, cell := range want {
		enc := rowEncoder{cols: newCatalogue().lookup([]string{name}), escape: true}
		row, _ := enc.appendRow(nil, nil, &u)
		if got := strings.TrimSuffix(string(row), "\n"); got != cell && (cell != "" || got != `""`) {
			t.Errorf("%s = %q, want %q", name, got, cell)
		}
	}
}

// A field of a JSON object is found without decoding the rest, whatever
// the object holds; hostile input finds nothing and never panics.
func FuzzJSONMember(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":{"c":[1,"}"]},"d":"x\"y"}`), "d")
	f.Add([]byte(`{"a":`), "a")
	f.Add([]byte(`[1,2]`), "a")
	f.Fuzz(func(t *testing.T, raw []byte, name string) {
		got, ok := jsonMember(raw, name)
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		want, has := obj[name]
		if has != ok || has && !bytes.Equal(trimJSONSpace(got), trimJSONSpace(want)) && json.Valid(raw) && !duplicateKeys(raw) {
			t.Fatalf("jsonMember(%s, %q) = %s, %v; encoding/json finds %s, %v", raw, name, got, ok, want, has)
		}
	})
}

// duplicateKeys reports an object naming a member twice: encoding/json
// keeps the last, jsonMember the first; JSON leaves it undefined.
func duplicateKeys(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		if seen[key] {
			return true
		}
		seen[key] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// fullUser has every property set to a value naming it.
func fullUser() directory.User {
	var u directory.User
	v := reflect.ValueOf(&u).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Interface().(type) {
		case string:
			f.SetString("v-" + name)
		case *bool:
			f.Set(reflect.ValueOf(ptr(true)))
		case []string:
			f.Set(reflect.ValueOf([]string{"a-" + name, "b-" + name}))
		case json.RawMessage:
			// And every member a nested column reads of it, each naming
			// its property.
			obj := map[string]string{"k": name}
			for _, c := range nestedColumns() {
				if parent, member, _ := strings.Cut(c.name, "/"); parent == jsonName(v.Type().Field(i)) {
					obj[member] = member + "-" + name
				}
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				panic(err)
			}
			f.Set(reflect.ValueOf(json.RawMessage(raw)))
		}
	}
	u.Auth = &directory.AuthMethods{MobilePhone: "m", AlternateMobilePhone: "am", Email: "e"}
	r := &directory.RegistrationDetails{}
	rv := reflect.ValueOf(r).Elem()
	for i := range rv.NumField() {
		f, name := rv.Field(i), rv.Type().Field(i).Name
		switch f.Interface().(type) {
		case string:
			f.SetString("r-" + name)
		case *bool:
			f.Set(reflect.ValueOf(ptr(true)))
		case []string:
			f.Set(reflect.ValueOf([]string{"a-" + name, "b-" + name}))
		}
	}
	u.Registration = r
	return u
}

func TestCells(t *testing.T) {
	t.Parallel()
	u := fullUser()
	want := map[string]string{
		"objectId":                             "v-ID",
		"id":                                   "v-ID",
		"accountEnabled":                       "True",
		"telephoneNumber":                      "a-BusinessPhones",
		"businessPhones":                       "a-BusinessPhones;b-BusinessPhones",
		"alternateEmailAddress":                "a-OtherMails;b-OtherMails",
		"physicalDeliveryOfficeName":           "v-OfficeLocation",
		"mobile":                               "v-MobilePhone",
		"authenticationPhoneNumber":            "m",
		"authenticationAlternativePhoneNumber": "am",
		"authenticationEmail":                  "e",
		"assignedLicenses":                     `"{""k"":""AssignedLicenses""}"`,
	}
	for name, cell := range want {
		enc := rowEncoder{cols: newCatalogue().lookup([]string{name})}
		row, _ := enc.appendRow(nil, nil, &u)
		if got := strings.TrimSuffix(string(row), "\n"); got != cell {
			t.Errorf("%s = %q, want %q", name, got, cell)
		}
	}
}
