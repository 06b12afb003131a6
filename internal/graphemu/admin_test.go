package graphemu

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestCountersEndpoint reads the counters over the network, resets them with
// a POST, and checks the endpoint neither counts itself nor answers other
// methods.
func TestCountersEndpoint(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{CountersEndpoint: true}, true)
	tok := ts.netToken(ts.App())
	h := map[string]string{"Authorization": "Bearer " + tok}
	for range 2 {
		if r, err := ts.do(context.Background(), "GET", "/v1.0/users?$select=id&$top=2", h, ""); err != nil || r.status != http.StatusOK {
			t.Fatalf("list: %v %v", r, err)
		}
	}
	read := func(method string) Counters {
		t.Helper()
		r, err := ts.do(context.Background(), method, CountersPath, nil, "")
		if err != nil || r.status != http.StatusOK {
			t.Fatalf("%s counters: %v %v", method, r, err)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		var c Counters
		if err := json.Unmarshal(r.body, &c); err != nil {
			t.Fatalf("decoding %s", r.body)
		}
		return c
	}
	want := ts.Counters()
	for _, method := range []string{"GET", "POST"} {
		got := read(method)
		if got.Requests[EndpointListFirst][http.StatusOK] != 2 || got.TokensIssued != 1 || got.ResourceUnits != 2 {
			t.Errorf("%s: %+v", method, got)
		}
		if got.Total(EndpointOther) != 0 || got.ResourceUnits != want.ResourceUnits || got.UsersReturned != want.UsersReturned {
			t.Errorf("%s: %+v, want %+v (the endpoint must not count itself)", method, got, want)
		}
	}
	if after := read("GET"); after.Total(EndpointListFirst) != 0 || after.ResourceUnits != 0 || after.TokensIssued != 0 {
		t.Errorf("after the reset: %+v", after)
	}
	if r, err := ts.do(context.Background(), "DELETE", CountersPath, nil, ""); err != nil || r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE: %v %v", r, err)
	}
}

// TestCountersEndpointOff: without the option the path is an unknown one.
func TestCountersEndpointOff(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	if r := ts.handle("GET", CountersPath, nil, ""); r.status != http.StatusNotFound {
		t.Errorf("GET %s: %v", CountersPath, r)
	}
	if got := ts.Counters().Total(EndpointOther); got != 1 {
		t.Errorf("unknown path counted %d times, want 1", got)
	}
}

func TestTakeCounters(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	ts.graph("GET", "/v1.0/users?$top=1", nil, "")
	took := ts.TakeCounters()
	if took.Total(EndpointListFirst) != 1 || took.TokensIssued != 1 {
		t.Errorf("took %+v", took)
	}
	if now := ts.Counters(); now.Total(EndpointListFirst) != 0 || now.TokensIssued != 0 {
		t.Errorf("after taking: %+v", now)
	}
}

func TestEndpointText(t *testing.T) {
	t.Parallel()
	for e := EndpointAny; e <= EndpointOther; e++ {
		text, err := e.MarshalText()
		if err != nil {
			t.Fatalf("%d: %v", e, err)
		}
		var back Endpoint
		if err := back.UnmarshalText(text); err != nil || back != e {
			t.Errorf("%s: read back %v, %v", text, back, err)
		}
	}
	if _, err := Endpoint(99).MarshalText(); err == nil {
		t.Error("endpoint 99 marshalled")
	}
	var e Endpoint
	if err := e.UnmarshalText([]byte("users")); err == nil {
		t.Error(`"users" unmarshalled`)
	}
	b, err := json.Marshal(map[Endpoint]int{EndpointBatch: 1})
	if err != nil || string(b) != `{"batch":1}` {
		t.Errorf("json: %s %v", b, err)
	}
}
