package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// TestStepGate plays sequences of step outcomes through a gate: "s" a step
// served, a status a gated failure (a 404 is served: it concerns one user).
// Each failure is then reported as its user's error, as the callers do.
func TestStepGate(t *testing.T) {
	t.Parallel()
	failures := func(status, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = status
		}
		return out
	}
	const served = 0
	tests := []struct {
		name       string
		steps      []int
		endsAt     int // the step whose fail ends the read (1-based); 0 = none
		closeErr   int // status of close's error; 0 = nil
		errors     int // per-user errors the sink got
		firstError int // status of the read's error, if it ended
	}{
		{name: "all served", steps: []int{served, served}, errors: 0},
		{name: "one failure among served steps", steps: []int{served, 403, served}, errors: 1},
		{name: "failures before the first served step are held, then reported", steps: append(failures(403, 19), served), errors: 19},
		{name: "a user's 404 counts as served", steps: []int{403, 404, 500}, errors: 3},
		{name: "a batch's worth of failures and nothing served ends the read", steps: failures(403, 25), endsAt: 20, firstError: 403},
		{name: "a 403 is preferred over a server failure", steps: append(failures(503, 10), failures(403, 10)...), endsAt: 20, firstError: 403},
		{name: "server failures alone end it too", steps: failures(502, 20), endsAt: 20, firstError: 502},
		{name: "a few failures and nothing served: the read's error at the end", steps: failures(403, 3), closeErr: 403},
		{name: "no steps", steps: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				g    stepGate
				sink collector
				ctx  = context.Background()
			)
			for i, status := range tt.steps {
				r := &innerResponse{ID: fmt.Sprint(i), Status: http.StatusOK, Body: []byte(`{}`)}
				if status != served {
					r = &innerResponse{ID: fmt.Sprint(i), Status: status, Body: []byte(graphErrorBody("Code", "failed", fmt.Sprint("req-", i)))}
				}
				failed, err := stepOutcome(OpAuthMethods, r, &g, func([]byte) error { return nil })
				if err != nil {
					var ge *Error
					if i+1 != tt.endsAt || !errors.As(err, &ge) || ge.Status != tt.firstError {
						t.Fatalf("step %d ended the read with %v; want the end at step %d with a %d", i+1, err, tt.endsAt, tt.firstError)
					}
					return
				}
				if failed != nil {
					g.report(ctx, &sink, *failed)
				}
			}
			if tt.endsAt != 0 {
				t.Fatalf("the read did not end at step %d", tt.endsAt)
			}
			err := g.close(ctx, &sink)
			var ge *Error
			switch {
			case tt.closeErr == 0 && err != nil:
				t.Fatalf("close = %v, want nil", err)
			case tt.closeErr != 0 && (!errors.As(err, &ge) || ge.Status != tt.closeErr):
				t.Fatalf("close = %v, want the %d", err, tt.closeErr)
			}
			if len(sink.errors) != tt.errors {
				t.Errorf("%d per-user errors reported, want %d", len(sink.errors), tt.errors)
			}
			for _, e := range sink.errors {
				if e.RequestID == "" || e.Code != "Code" {
					t.Errorf("per-user error %+v lacks Graph's code or request-id", e)
				}
			}
		})
	}
}

// A per-user error that is not gated (a 404) goes out at once, the held
// ones with it.
func TestStepGateReleasesHeldErrorsWithTheNext(t *testing.T) {
	t.Parallel()
	var (
		g    stepGate
		sink collector
		ctx  = context.Background()
	)
	if err := g.fail(&Error{Status: 403}); err != nil {
		t.Fatal(err)
	}
	g.report(ctx, &sink, directory.UserError{ObjectID: "a", Status: 403})
	if len(sink.errors) != 0 {
		t.Fatalf("a 403 before any step was served was reported: %+v", sink.errors)
	}
	g.serve()
	g.report(ctx, &sink, directory.UserError{ObjectID: "b", Status: 404})
	if len(sink.errors) != 2 || sink.errors[0].ObjectID != "a" || sink.errors[1].ObjectID != "b" {
		t.Errorf("reported %+v, want the held 403 of a, then the 404 of b", sink.errors)
	}
}
