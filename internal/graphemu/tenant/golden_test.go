package tenant

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"
)

const graphRoot = "https://graph.microsoft.com/v1.0/"

// response assembles a page for a golden file in Graph's shape (see
// GRAPH.md): @odata.context, @odata.count, value, nextLink or deltaLink. It
// pins what the tenant builds; the HTTP layer renders pages itself (its key
// order and link encoding), and graphemu's own goldens pin that.
func response(t *testing.T, path string, pg *Page) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":` + strconv.Quote(graphRoot+"$metadata#"+pg.Context))
	if pg.HasCount {
		b.WriteString(`,"@odata.count":` + strconv.Itoa(pg.Count))
	}
	b.WriteString(`,"value":`)
	b.Write(pg.Value)
	if pg.Next != nil {
		b.WriteString(`,"@odata.nextLink":` + strconv.Quote(graphRoot+path+"?"+pg.Next.Encode()))
	}
	if pg.Delta != nil {
		b.WriteString(`,"@odata.deltaLink":` + strconv.Quote(graphRoot+path+"?"+pg.Delta.Encode()))
	}
	b.WriteString("}")
	return indent(t, b.Bytes())
}

func entity(t *testing.T, e *Entity) []byte {
	t.Helper()
	body := append([]byte(`{"@odata.context":`+strconv.Quote(graphRoot+"$metadata#"+e.Context)+","), e.JSON[1:]...)
	return indent(t, body)
}

func errorBody(t *testing.T, err *Error) []byte {
	t.Helper()
	b, merr := json.Marshal(map[string]any{"status": err.Status, "error": map[string]string{"code": err.Code, "message": err.Message}, "location": err.Location})
	if merr != nil {
		t.Fatal(merr)
	}
	return indent(t, b)
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// TestGoldenResponses pins representative answers byte for byte (run with
// -update to rewrite them after checking the change is intended).
func TestGoldenResponses(t *testing.T) {
	t.Parallel()
	tn, err := Generate(GenerateOptions{Seed: 1, Users: 25, SharedPrefixShare: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	tn.SetClock(func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) })
	all := expected(t, tn, "", "")
	someone, _ := tn.Lookup(all[3])
	page := func(pg *Page, err *Error) *Page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	first := page(tn.ListUsers(values("$top", "5"), false))
	_, deltaLink, _ := deltaRound(t, tn, values("$select", "displayName,accountEnabled"))
	cases := []struct {
		name string
		got  func() []byte
	}{
		{"list_default_top5.json", func() []byte { return response(t, "users", first) }},
		{"list_page2.json", func() []byte { return response(t, "users", page(tn.ListUsers(first.Next, false))) }},
		{"list_portal_columns.json", func() []byte {
			return response(t, "users", page(tn.ListUsers(values("$select", listColumns, "$top", "4"), false)))
		}},
		{"list_partition_count.json", func() []byte {
			q := values("$filter", "not(startsWith(userPrincipalName,'user') or startsWith(userPrincipalName,'a'))",
				"$count", "true", "$select", "id,userPrincipalName", "$top", "6")
			return response(t, "users", page(tn.ListUsers(q, true)))
		}},
		{"get_user_all_properties.json", func() []byte {
			e, err := tn.GetUser(someone.UserPrincipalName, values("$select", "*"))
			if err != nil {
				t.Fatal(err)
			}
			return entity(t, e)
		}},
		{"get_by_ids.json", func() []byte {
			body, err := json.Marshal(struct {
				IDs   []string `json:"ids"`
				Types []string `json:"types"`
			}{[]string{someone.ID, guid(404)}, []string{"user"}})
			if err != nil {
				t.Fatal(err)
			}
			return response(t, "directoryObjects/getByIds", page(tn.GetByIDs(body, values("$select", "id,displayName,userPrincipalName"))))
		}},
		{"auth_methods.json", func() []byte { return response(t, "", page(tn.AuthMethods(someone.ID, AllMethods, false))) }},
		{"auth_phone_methods_masked.json", func() []byte { return response(t, "", page(tn.AuthMethods(someone.ID, PhoneMethods, true))) }},
		{"report_first_page.json", func() []byte {
			return response(t, reportSet, page(tn.UserRegistrationDetails(values("$top", "3"))))
		}},
		{"report_select_filter.json", func() []byte {
			q := values("$select", "id,userPrincipalName,isMfaRegistered,methodsRegistered", "$top", "2",
				"$filter", "startsWith(userPrincipalName,'user') and isMfaRegistered eq true")
			return response(t, reportSet, page(tn.UserRegistrationDetails(q)))
		}},
		{"delta_initial.json", func() []byte {
			return response(t, "users/delta", page(tn.Delta(values("$select", "displayName,accountEnabled"), DeltaOptions{})))
		}},
		{"delta_changes.json", func() []byte {
			mustDo(t, tn.Update(all[0], func(u *User) { u.AccountEnabled = ptr(false) }))
			mustDo(t, tn.SoftDelete(all[1]))
			mustDo(t, tn.HardDelete(all[2]))
			return response(t, "users/delta", page(tn.Delta(deltaLink, DeltaOptions{})))
		}},
		{"errors.json", func() []byte {
			var out []byte
			for _, q := range []url.Values{
				values("$top", "1000"), values("$skip", "5"), values("$select", "aboutMe"),
				values("$filter", "endsWith(mail,'@contoso.com')"), values("$filter", "legalAgeGroupClassification eq 'Adult'"),
				values("$filter", "nope eq 1"), values("$orderby", "displayName", "$filter", "userType eq 'Guest'"),
			} {
				_, err := tn.ListUsers(q, false)
				out = append(out, errorBody(t, err)...)
			}
			_, err := tn.GetUser("nobody@contoso.onmicrosoft.com", nil)
			out = append(out, errorBody(t, err)...)
			_, err = tn.CountUsers(nil, false)
			out = append(out, errorBody(t, err)...)
			_, err = tn.Delta(values("$deltatoken", "expired"), DeltaOptions{})
			return append(out, errorBody(t, err)...)
		}},
	}
	for _, c := range cases {
		checkGolden(t, c.name, c.got())
	}
}
