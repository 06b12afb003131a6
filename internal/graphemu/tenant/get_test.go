package tenant

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestGetUser(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	cases := []struct {
		key, wantID string
	}{
		{guid(1), guid(1)},
		{strings.ToUpper(guid(1)), guid(1)},
		{"adele.vance@contoso.onmicrosoft.com", guid(1)},
		{"ADELE.VANCE@CONTOSO.ONMICROSOFT.COM", guid(1)},
		{"alex.wilber@contoso.onmicrosoft.com", guid(2)},
		{"bianca_fabrikam.com#EXT#@contoso.onmicrosoft.com", guid(3)},
		{"BIANCA_FABRIKAM.COM#ext#@contoso.onmicrosoft.com", guid(3)},
		{"ÉLODIE.DUPONT@contoso.onmicrosoft.com", guid(4)},
		{"ИВАН.ИВАНОВ@contoso.onmicrosoft.com", guid(8)},
		{"'quote@contoso.onmicrosoft.com", guid(11)},
	}
	for _, c := range cases {
		e, err := tn.GetUser(c.key, values("$select", "id,displayName"))
		if err != nil {
			t.Errorf("GetUser(%q): %v", c.key, err)
			continue
		}
		var obj map[string]any
		if json.Unmarshal(e.JSON, &obj) != nil || obj["id"] != c.wantID || e.Context != "users(id,displayName)/$entity" {
			t.Errorf("GetUser(%q) = %s %s", c.key, e.Context, e.JSON)
		}
	}
	_, err := tn.GetUser("nobody@contoso.onmicrosoft.com", nil)
	wantError(t, err, http.StatusNotFound, CodeResourceNotFound,
		"Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.")
	e, err := tn.GetUser(guid(2), nil)
	if err != nil || e.Context != "users/$entity" {
		t.Fatalf("default get: %v %v", e, err)
	}
	if keys, _ := keysOf(e.JSON); len(keys) != 11 || keys[10] != "id" {
		t.Errorf("default property set: %v", keys)
	}
	e, err = tn.GetUser(guid(2), values("$select", "aboutMe,skills,mailboxSettings,displayName"))
	if err != nil || string(e.JSON) != `{"aboutMe":null,"skills":[],"mailboxSettings":null,"displayName":"Alex Wilber"}` {
		t.Errorf("single-user properties on a get: %s %v", e.JSON, err)
	}
	_, err = tn.GetUser(guid(2), values("$select", "nope"))
	wantError(t, err, http.StatusBadRequest, CodeBadRequest, "property named 'nope'")
}

func TestGetByIDs(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	body := `{"ids":["` + guid(3) + `","` + guid(99) + `","` + strings.ToUpper(guid(1)) + `","` + guid(3) + `"],"types":["user"]}`
	pg, err := tn.GetByIDs([]byte(body), values("$select", "displayName"))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"@odata.type":"#microsoft.graph.user","displayName":"Bianca Pisani"},{"@odata.type":"#microsoft.graph.user","displayName":"Adele Vance"}]`
	if string(pg.Value) != want || pg.Items != 2 || pg.Context != "directoryObjects(displayName)" {
		t.Fatalf("got %s %s %d", pg.Context, pg.Value, pg.Items)
	}
	pg, err = tn.GetByIDs([]byte(`{"ids":["`+guid(1)+`"]}`), nil)
	if err != nil || pg.Items != 1 || pg.Context != "directoryObjects" {
		t.Fatalf("without types or $select: %v %v", pg, err)
	}
	if keys, _ := keysOf(decodeRaw(t, pg.Value)[0]); keys[0] != "@odata.type" || len(keys) != 12 {
		t.Errorf("item keys %v", keys)
	}
	pg, err = tn.GetByIDs([]byte(`{"ids":["`+guid(1)+`"],"types":["group","device"]}`), nil)
	if err != nil || pg.Items != 0 || string(pg.Value) != "[]" {
		t.Errorf("other types: %s %v", pg.Value, err)
	}
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = guid(i)
	}
	tooMany, jerr := json.Marshal(struct{ IDs []string }{ids})
	if jerr != nil {
		t.Fatal(jerr)
	}
	cases := []struct {
		body, q   string
		code, msg string
	}{
		{string(tooMany), "", CodeBadRequest, "Number of included identifiers cannot exceed '1000'."},
		{`{"ids":["not-a-guid"]}`, "", CodeBadRequest, "Invalid GUID specified."},
		{`{"ids":["` + guid(1) + `"],"types":["planet"]}`, "", CodeBadRequest, "Invalid type specified"},
		{`{"ids":`, "", CodeBadRequest, "Invalid request body"},
		{`{"ids":[]}`, "$top=5", CodeBadRequest, "query options are not supported"},
		{`{"ids":[]}`, "$filter=id eq 'x'", CodeBadRequest, "query options are not supported"},
	}
	for _, c := range cases {
		q := values()
		if k, v, ok := strings.Cut(c.q, "="); ok {
			q.Set(k, v)
		}
		_, err := tn.GetByIDs([]byte(c.body), q)
		wantError(t, err, http.StatusBadRequest, c.code, c.msg)
	}
	ids = ids[:1000]
	ok, jerr := json.Marshal(struct{ IDs []string }{ids})
	if jerr != nil {
		t.Fatal(jerr)
	}
	if pg, err := tn.GetByIDs(ok, nil); err != nil || pg.Items != 12 {
		t.Errorf("1000 ids: %d found, %v", pg.Items, err)
	}
}

func decodeRaw(t *testing.T, b []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuthMethods(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	pg, err := tn.AuthMethods("ADELE.VANCE@contoso.onmicrosoft.com", AllMethods, false)
	if err != nil {
		t.Fatal(err)
	}
	items := decode(t, pg.Value)
	var types, ids, numbers []string
	for _, it := range items {
		types = append(types, it["@odata.type"].(string)) //nolint:forcetypeassert // every item is typed
		ids = append(ids, it["id"].(string))              //nolint:forcetypeassert // every item has an id
		if n, ok := it["phoneNumber"].(string); ok {
			numbers = append(numbers, n)
		}
	}
	wantTypes := []string{"#microsoft.graph.passwordAuthenticationMethod", "#microsoft.graph.phoneAuthenticationMethod",
		"#microsoft.graph.phoneAuthenticationMethod", "#microsoft.graph.phoneAuthenticationMethod", "#microsoft.graph.emailAuthenticationMethod"}
	wantIDs := []string{MethodIDPassword, MethodIDMobile, MethodIDAlternateMobile, MethodIDOffice, MethodIDEmail}
	if !slices.Equal(types, wantTypes) || !slices.Equal(ids, wantIDs) || pg.Context != "users('"+guid(1)+"')/authentication/methods" {
		t.Fatalf("methods: %s %s", pg.Context, pg.Value)
	}
	if !slices.Equal(numbers, []string{"+1 4255550101", "+44 2079460958", "+1 4255550199x123"}) {
		t.Errorf("numbers %q", numbers)
	}
	pg, err = tn.AuthMethods(guid(1), PhoneMethods, true)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 XXXXXXXX01","phoneType":"mobile","smsSignInState":"notAllowedByPolicy"},` +
		`{"id":"b6332ec1-7057-4abe-9331-3d72feddfe41","phoneNumber":"+44 XXXXXXXX58","phoneType":"alternateMobile","smsSignInState":"notSupported"},` +
		`{"id":"e37fc753-ff3b-4958-9484-eaa9425c82bc","phoneNumber":"+1 XXXXXXXX99xXXX","phoneType":"office","smsSignInState":"notSupported"}]`
	if string(pg.Value) != want || pg.Items != 3 {
		t.Errorf("masked phone methods:\n%s\nwant\n%s", pg.Value, want)
	}
	pg, err = tn.AuthMethods(guid(1), EmailMethods, false)
	if err != nil || string(pg.Value) != `[{"id":"3ddfcfc8-9383-446f-83cc-3ab9be4be18f","emailAddress":"adele.personal@example.com"}]` {
		t.Errorf("email methods: %s %v", pg.Value, err)
	}
	pg, err = tn.AuthMethods(guid(2), AllMethods, false)
	if err != nil || pg.Items != 1 {
		t.Errorf("no methods but the password: %s %v", pg.Value, err)
	}
	if pg, _ := tn.AuthMethods(guid(2), PhoneMethods, false); string(pg.Value) != "[]" {
		t.Errorf("no phones: %s", pg.Value)
	}
	_, err = tn.AuthMethods("nobody@contoso.onmicrosoft.com", AllMethods, false)
	wantError(t, err, http.StatusNotFound, CodeResourceNotFound, "Resource 'nobody@contoso.onmicrosoft.com' does not exist")
	if err := NoQueryOptions(values("$select", "id")); err == nil || err.Status != http.StatusBadRequest {
		t.Errorf("NoQueryOptions accepted $select: %v", err)
	}
	if err := NoQueryOptions(values("api-version", "1")); err != nil {
		t.Errorf("NoQueryOptions refused a custom parameter: %v", err)
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+1 4255550121":      "+1 XXXXXXXX21",
		"+1 4255550121x12":   "+1 XXXXXXXX21xXX",
		"+971 5":             "+971 5",
		"+44 07":             "+44 07",
		"garbage":            "XXXXXXX",
		"+49 15123456789x1":  "+49 XXXXXXXXX89xX",
		"+86 13800138000":    "+86 XXXXXXXXX00",
		"+1 (555) 010-2030":  "+1 (XXX) XXX-XX30",
		"+33 612345678x9999": "+33 XXXXXXX78xXXXX",
	} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
