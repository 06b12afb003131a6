package graphemu

import (
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// usersIn reads the userPrincipalNames of a users page (or a batch step's
// body).
func usersIn(t *testing.T, body []byte) []string {
	t.Helper()
	var p struct {
		Value []struct {
			UPN string `json:"userPrincipalName"`
		} `json:"value"`
	}
	mustUnmarshal(t, body, &p)
	out := make([]string, len(p.Value))
	for i, u := range p.Value {
		out[i] = strings.TrimSuffix(u.UPN, "@"+testDomain)
	}
	return out
}

// TestConsistencyLagByRequest sends every kind of request after a delete
// and a rename, with a lag: those with ConsistencyLevel: eventual (inside
// a $batch too) see the directory as it was until the lag has passed, the
// others see it as it is.
func TestConsistencyLagByRequest(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	ten := ts.Tenant()
	ten.SetClock(ts.clock.Now)
	const lag = 10 * time.Second
	ten.SetConsistencyLag(lag)
	mustNoErr(t, ten.SoftDelete("dan@"+testDomain))
	mustNoErr(t, ten.Update("erin@"+testDomain, func(u *tenant.User) { u.UserPrincipalName = "zed@" + testDomain }))
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	const old, now = "1bob adele carol_fabrikam.com#EXT# dan erin", "1bob adele carol_fabrikam.com#EXT# zed"

	list := func(header map[string]string) string {
		r := ts.graph("GET", "/v1.0/users?$select=userPrincipalName", header, "")
		if r.status != 200 {
			t.Fatalf("list: %s", r)
		}
		return strings.Join(usersIn(t, r.body), " ")
	}
	count := func() string {
		r := ts.graph("GET", "/v1.0/users/$count", eventual, "")
		if r.status != 200 {
			t.Fatalf("$count: %s", r)
		}
		return string(r.body)
	}
	if got := list(eventual); got != old {
		t.Errorf("eventual list: %s, want %s", got, old)
	}
	if got := list(nil); got != now {
		t.Errorf("standard list: %s, want %s", got, now)
	}
	if got := count(); got != "5" {
		t.Errorf("$count %s, want 5", got)
	}
	r := ts.graph("GET", "/v1.0/users?$count=true&$select=id", eventual, "")
	var counted struct {
		Count int `json:"@odata.count"`
	}
	mustUnmarshal(t, r.body, &counted)
	if counted.Count != 5 {
		t.Errorf("@odata.count %d, want 5", counted.Count)
	}
	if r := ts.graph("GET", "/v1.0/users/zed@"+testDomain, eventual, ""); r.status != 200 {
		t.Errorf("GET /users/{id} does not see the rename at once: %s", r)
	}
	r = ts.graph("POST", "/v1.0/directoryObjects/getByIds", map[string]string{"Content-Type": "application/json"},
		`{"ids":["44444444-4444-4444-8444-444444444444"]}`)
	if got := usersIn(t, r.body); r.status != 200 || len(got) != 0 {
		t.Errorf("getByIds still finds the deleted user: %s", r)
	}

	_, a := ts.batch(batchOf(
		get("count", "/users/$count", `"headers":{"ConsistencyLevel":"eventual"}`),
		get("eventual", "/users?$select=userPrincipalName", `"headers":{"ConsistencyLevel":"eventual"}`),
		get("standard", "/users?$select=userPrincipalName"),
	))
	if len(a.Responses) != 3 {
		t.Fatalf("batch: %d answers", len(a.Responses))
	}
	for _, step := range a.Responses {
		if step.Status != 200 {
			t.Fatalf("batch step %s: %d %s", step.ID, step.Status, step.Body)
		}
		var got string
		switch step.ID {
		case "count":
			mustUnmarshal(t, step.Body, &got)
			if got != "5" {
				t.Errorf("batch $count %s, want 5", got)
			}
		case "eventual", "standard":
			got = strings.Join(usersIn(t, step.Body), " ")
			if want := map[string]string{"eventual": old, "standard": now}[step.ID]; got != want {
				t.Errorf("batch %s step: %s, want %s", step.ID, got, want)
			}
		}
	}

	ts.clock.Advance(lag - time.Nanosecond)
	if got := count(); got != "5" {
		t.Errorf("$count %s before the lag has passed", got)
	}
	ts.clock.Advance(time.Nanosecond)
	if got, after := count(), list(eventual); got != "4" || after != now {
		t.Errorf("once the lag has passed: $count %s, list %s", got, after)
	}
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
