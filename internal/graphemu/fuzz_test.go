package graphemu

import (
	"strings"
	"testing"
)

// FuzzVerifyToken feeds hostile Authorization headers to the token check:
// it must never panic, and must accept nothing but the token it issued.
func FuzzVerifyToken(f *testing.F) {
	ti := newTokenIssuer("tid", DefaultTokenLifetime, newFakeClock())
	app := DefaultApp()
	issued, _ := ti.issue(&app, graphResource)
	for _, seed := range []string{"Bearer " + issued, "Bearer a.b.c", "Bearer ..", "bearer " + issued + "=", "Basic x", "", "Bearer " + strings.Repeat("A", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, authorization string) {
		c, msg := ti.verify(authorization, "http://graph.test")
		if (c == nil) == (msg == "") {
			t.Fatalf("claims %v with message %q", c, msg)
		}
		if c != nil && (c.AppID != app.ClientID || c.UTI != "0") {
			t.Fatalf("accepted a token it did not issue: %+v", c)
		}
	})
}

// FuzzParseBatch feeds hostile $batch bodies to the parser: it must never
// panic, and what it accepts must keep Graph's rules.
func FuzzParseBatch(f *testing.F) {
	for _, seed := range []string{
		batchOf(get("1", "/users"), get("2", "/users/$count", `"dependsOn":["1"]`, `"headers":{"ConsistencyLevel":"eventual"}`)),
		batchOf(get("a", "/users", `"dependsOn":["b"]`), get("b", "/users", `"dependsOn":["a"]`)),
		`{"requests":[{"id":"1","method":"POST","url":"/x","body":"aGVsbG8=","headers":{"content-type":"text/plain"}}]}`,
		`{"requests":null}`, `[]`, `{"requests":[{}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		reqs, deps, msg := parseBatch(body)
		if msg != "" {
			return
		}
		if len(reqs) == 0 || len(reqs) > maxBatch || len(deps) != len(reqs) {
			t.Fatalf("accepted %d requests", len(reqs))
		}
		seen := map[string]bool{}
		for i, r := range reqs {
			id := strings.ToLower(r.ID)
			if seen[id] || r.URL == "" || r.Method == "" {
				t.Fatalf("accepted request %+v", r)
			}
			seen[id] = true
			for _, d := range deps[i] {
				if d < 0 || d >= len(reqs) || d == i {
					t.Fatalf("dependency %d of %d", d, i)
				}
			}
			_ = innerBody(r.Body)
		}
		if hasCycle(deps) {
			t.Fatal("accepted a cycle")
		}
	})
}
