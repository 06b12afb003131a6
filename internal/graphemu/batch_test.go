package graphemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

type batchAnswer struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func batchOf(reqs ...string) string {
	return `{"requests":[` + strings.Join(reqs, ",") + `]}`
}

func get(id, target string, extra ...string) string {
	s := fmt.Sprintf(`{"id":%q,"method":"GET","url":%q`, id, target)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func (ts *testServer) batch(body string) (response, batchAnswer) {
	ts.t.Helper()
	r := ts.graph("POST", "/v1.0/$batch", map[string]string{"Content-Type": "application/json"}, body)
	var a batchAnswer
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &a); err != nil {
			ts.t.Fatalf("batch answer: %v: %s", err, r.body)
		}
	}
	return r, a
}

func (a batchAnswer) byID() map[string]int {
	m := map[string]int{}
	for _, r := range a.Responses {
		m[r.ID] = r.Status
	}
	return m
}

func TestBatchRejected(t *testing.T) {
	t.Parallel()
	many := make([]string, 21)
	for i := range many {
		many[i] = get(fmt.Sprint(i), "/users?$top=1")
	}
	tests := []struct{ name, body string }{
		{"not JSON", `{"requests":[`},
		{"no requests", `{}`},
		{"requests not a list", `{"requests":{}}`},
		{"empty", `{"requests":[]}`},
		{"21 requests", batchOf(many...)},
		{"duplicate ids", batchOf(get("1", "/users"), get("1", "/users/$count"))},
		{"duplicate ids in another case", batchOf(get("a", "/users"), get("A", "/users/$count"))},
		{"no url", batchOf(`{"id":"1","method":"GET"}`)},
		{"no method", batchOf(`{"id":"1","url":"/users"}`)},
		{"no id", batchOf(`{"method":"GET","url":"/users"}`)},
		{"body without Content-Type", batchOf(`{"id":"1","method":"POST","url":"/directoryObjects/getByIds","body":{"ids":[]}}`)},
		{"depends on a stranger", batchOf(get("1", "/users", `"dependsOn":["9"]`))},
		{"depends on itself", batchOf(get("1", "/users", `"dependsOn":["1"]`))},
		{"cycle", batchOf(get("1", "/users", `"dependsOn":["2"]`), get("2", "/users", `"dependsOn":["1"]`))},
		{"header not a string", batchOf(get("1", "/users", `"headers":{"ConsistencyLevel":1}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, Config{})
			r, _ := ts.batch(tt.body)
			if e := checkEnvelope(t, r); r.status != 400 || e.Code != codeBadRequest {
				t.Errorf("%s", r)
			}
			if c := ts.Counters(); c.Requests[EndpointBatch][400] != 1 || len(c.Inner) != 0 {
				t.Errorf("counters %+v", c)
			}
		})
	}
}

func TestBatchRuns(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	u := testUsers()
	reqs := make([]string, 0, 20)
	for i := range 20 {
		reqs = append(reqs, get(fmt.Sprint(i+1), fmt.Sprintf("/users/%s/authentication/methods", u[i%len(u)].ID)))
	}
	r, a := ts.batch(batchOf(reqs...))
	if r.status != 200 || len(a.Responses) != 20 {
		t.Fatalf("%s", r)
	}
	ids := make([]string, 0, 20)
	for _, resp := range a.Responses {
		ids = append(ids, resp.ID)
		if resp.Status != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") || keysOf(t, resp.Body)[0] != "@odata.context" {
			t.Errorf("inner %s: %d %v %s", resp.ID, resp.Status, resp.Headers, resp.Body)
		}
	}
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprint(i + 1)
	}
	if slices.Equal(ids, want) {
		t.Errorf("answers in request order; Graph's may come in any order and the emulator shuffles them")
	}
	slices.Sort(ids)
	if !slices.Equal(ids, slices.Sorted(slices.Values(want))) {
		t.Errorf("ids %v", ids)
	}
	c := ts.Counters()
	if c.Total(EndpointBatch) != 1 || c.InnerTotal(EndpointAuthMethods) != 20 || c.Total(EndpointAuthMethods) != 0 || c.ResourceUnits != 20 {
		t.Errorf("counters %+v", c)
	}
}

func TestBatchInnerRules(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	missing := "99999999-9999-4999-8999-999999999999"
	_, a := ts.batch(batchOf(
		get("count", "/users/$count", `"headers":{"ConsistencyLevel":"eventual"}`),
		get("count-no-header", "/users/$count"),
		get("no-slash", "users?$top=1"),
		get("absolute", "https://graph.microsoft.com/v1.0/users"),
		get("nested", "/$batch"),
		get("gone", "/users/"+missing),
		get("after-gone", "/users/"+testUsers()[0].ID, `"dependsOn":["gone"]`),
		get("after-after", "/users/"+testUsers()[0].ID, `"dependsOn":["after-gone"]`),
		get("after-count", "/users/"+testUsers()[0].ID, `"dependsOn":["count"]`),
		`{"id":"getByIds","method":"POST","url":"/directoryObjects/getByIds","headers":{"Content-Type":"application/json"},"body":{"ids":["`+testUsers()[1].ID+`"]}}`,
	))
	want := map[string]int{
		"count": 200, "count-no-header": 400, "no-slash": 200, "absolute": 400, "nested": 400, "gone": 404,
		"after-gone": 424, "after-after": 424, "after-count": 200, "getByIds": 200,
	}
	if got := a.byID(); !mapsEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	for _, r := range a.Responses {
		if r.ID == "count" && string(r.Body) != `"5"` {
			t.Errorf("$count in a batch: body %s, want the text as a JSON string", r.Body)
		}
		if r.Status >= 400 {
			var env graphErrorBody
			if err := json.Unmarshal(r.Body, &env); err != nil || env.Error.Code == "" || env.Error.InnerError.RequestID == "" {
				t.Errorf("%s: error body %s", r.ID, r.Body)
			}
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestBatchInnerThrottle: each inner request is throttled on its own, and a
// refused one carries its own Retry-After; the batch itself succeeds.
func TestBatchInnerThrottle(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Throttle: true, TenantBudget: 3}})
	reqs := make([]string, 5)
	for i := range reqs {
		reqs[i] = get(fmt.Sprint(i), "/users/"+testUsers()[i].ID+"/authentication/methods")
	}
	r, a := ts.batch(batchOf(reqs...))
	if r.status != 200 {
		t.Fatalf("%s", r)
	}
	var ok, throttled int
	for _, resp := range a.Responses {
		switch resp.Status {
		case 200:
			ok++
		case 429:
			throttled++
			if resp.Headers["Retry-After"] == "" || resp.Headers["x-ms-throttle-scope"] == "" {
				t.Errorf("inner 429 headers %v", resp.Headers)
			}
		}
	}
	c := ts.Counters()
	if ok != 3 || throttled != 2 || c.Throttled != 2 || c.Inner[EndpointAuthMethods][429] != 2 || c.Requests[EndpointBatch][200] != 1 {
		t.Errorf("%d ok, %d throttled; counters %+v", ok, throttled, c)
	}
}

// TestBatchDeterministic: the same seed gives the same answer, byte for byte.
func TestBatchDeterministic(t *testing.T) {
	t.Parallel()
	body := batchOf(
		get("1", "/users/$count", `"headers":{"ConsistencyLevel":"eventual"}`),
		get("2", "/users/99999999-9999-4999-8999-999999999999"),
		get("3", "/users/"+testUsers()[0].ID+"?$select=id", `"dependsOn":["2"]`),
		get("4", "/groups"),
	)
	answer := func() []byte {
		ts := newServer(t, Config{Seed: 42})
		h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App()), "Content-Type": "application/json", "client-request-id": "c0ffee00-0000-4000-8000-000000000000"}
		return render(ts.handle("POST", "/v1.0/$batch", h, body))
	}
	a := answer()
	if b := answer(); !bytes.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
	checkBatchShape(t, a[bytes.Index(a, []byte("\n\n"))+2:])
	checkGolden(t, "batch.golden", a)
}

// checkBatchShape asserts the shape of a $batch answer in GRAPH.md: only
// "responses", each with exactly id, status, headers and body, error bodies
// in Graph's envelope.
func checkBatchShape(t *testing.T, body []byte) {
	t.Helper()
	if got := keysOf(t, body); !slices.Equal(got, []string{"responses"}) {
		t.Fatalf("keys %v", got)
	}
	var a struct{ Responses []json.RawMessage }
	mustUnmarshal(t, body, &a)
	for _, r := range a.Responses {
		if got := keysOf(t, r); !slices.Equal(got, []string{"body", "headers", "id", "status"}) {
			t.Errorf("response keys %v: %s", got, r)
		}
		var one struct {
			Status int
			Body   json.RawMessage
		}
		mustUnmarshal(t, r, &one)
		if one.Status >= 400 {
			checkErrorBody(t, one.Body)
		}
	}
}

// TestInnerResponseAsEncodingJSON checks the hand-built $batch entries
// byte for byte against what encoding/json writes for the same entry
// (without HTML escaping, headers a map, the body raw JSON when it is JSON
// and a string otherwise, empty headers and bodies left out).
func TestInnerResponseAsEncodingJSON(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	c := &call{base: "http://graph.test", requestID: "r-1", clientRequestID: "c<&>\u2028"}
	page := pageReply(c, &tenant.Page{Context: "users", Value: []byte(`[{"id":"x","displayName":"a \"b\" & <c>"}]`), Items: 1,
		Next: url.Values{"$top": {"1"}, "$skiptoken": {"t&k"}}}, "users")
	page.header.Set("x-ms-resource-unit", "1")
	tests := []struct {
		name, id string
		r        *reply
	}{
		{"error", "1", ts.tenantError(c, tenant.NotFound("O'Brien <x> & \"y\"\n"))},
		{"page in parts", "page", page},
		{"text", "count", &reply{status: 200, header: http.Header{"Content-Type": {contentTypeText}}, body: [][]byte{[]byte("42")}}},
		{"no headers, no body", "204", &reply{status: 204}},
		{"empty headers", "e", &reply{status: 202, header: http.Header{}, body: [][]byte{}}},
		{"JSON type, not JSON", "bad", &reply{status: 500, header: http.Header{"Content-Type": {"application/json"}},
			body: [][]byte{[]byte(`{"cut`), []byte("\xff\x00 \u2029")}}},
		{"several values", `id "quoted" \ <&>`, &reply{status: 429, header: http.Header{"Retry-After": {"1"},
			"Odata-Version": {"4.0"}, "X-Ms-Throttle-Scope": {"a", "b"}, "Content-Type": {contentTypeText}},
			body: [][]byte{[]byte("line\nbreak\ttab")}}},
	}
	for _, tt := range tests {
		got := appendInnerResponse([]byte("prefix"), tt.id, tt.r)
		if want := "prefix" + string(encodeInnerResponse(tt.id, tt.r)); string(got) != want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
		if !json.Valid(got[len("prefix"):]) {
			t.Errorf("%s: invalid JSON %s", tt.name, got)
		}
	}
}

// encodeInnerResponse is a $batch entry the way encoding/json writes it: the
// reference for appendInnerResponse.
func encodeInnerResponse(id string, r *reply) []byte {
	type entry struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers,omitempty"`
		Body    json.RawMessage   `json:"body,omitempty"`
	}
	e := entry{ID: id, Status: r.status, Headers: map[string]string{}}
	for k, v := range r.header {
		e.Headers[graphHeaderName(k)] = strings.Join(v, ", ")
	}
	body := r.bodyBytes()
	switch {
	case len(body) == 0:
	case strings.HasPrefix(r.header.Get("Content-Type"), "application/json") && json.Valid(body):
		e.Body = body
	default:
		e.Body = marshalJSON(string(body))
	}
	return marshalJSON(e)
}

// FuzzAppendJSONString: the envelopes' string encoder writes what
// encoding/json (without HTML escaping) writes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "<&>", "\u2028\u2029", "\xff\xfe", "\x00\x1f\x7f", "\b\f\n\r\t", "é王"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString(nil, s), marshalJSON(s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, encoding/json %s", s, got, want)
		}
	})
}
