package graph

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestRecoveredTurnsPanicsIntoErrors(t *testing.T) {
	t.Parallel()
	const secretish = "adele.vance@contoso.com"
	errPlain := errors.New("plain failure")
	tests := []struct {
		name     string
		f        func() error
		wantKind string // "" = no panic
		wantErr  error
	}{
		{name: "no panic", f: func() error { return nil }},
		{name: "error passes through", f: func() error { return errPlain }, wantErr: errPlain},
		{name: "string holding a user's data", f: func() error { panic("bad user " + secretish) }, wantKind: "panic: string"},
		{name: "error holding a user's data", f: func() error { panic(errors.New(secretish)) }, wantKind: "panic: *errors.errorString"},
		{name: "runtime error", f: func() error {
			return errors.New(nameAt(nil, len(secretish)))
		}, wantKind: "index out of range [23] with length 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := recovered(tt.f)()
			var pe *panicError
			if tt.wantKind == "" {
				if !errors.Is(err, tt.wantErr) || errors.As(err, &pe) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *panicError", err)
			}
			if !strings.Contains(err.Error(), tt.wantKind) || !strings.Contains(err.Error(), "bug in the provider") {
				t.Errorf("err = %q, want it to name %q and say it is a bug", err, tt.wantKind)
			}
			if strings.Contains(err.Error(), secretish) {
				t.Errorf("err = %q shows the panic's value", err)
			}
			if !bytes.Contains(pe.stack, []byte("read_panics_test.go")) {
				t.Errorf("the stack does not show where the panic happened:\n%s", pe.stack)
			}
		})
	}
}

// nameAt is users[i]'s name: out of range, a runtime panic whose message
// the runtime writes.
func nameAt(users []directory.User, i int) string { return users[i].UserPrincipalName }

// panicSink panics, with a user's name, on its nth delivery.
type panicSink struct {
	collector
	n     int64
	calls atomic.Int64
}

func (s *panicSink) Users(ctx context.Context, users []directory.User) error {
	if s.calls.Add(1) == s.n {
		panic("cannot take " + users[0].UserPrincipalName)
	}
	return s.collector.Users(ctx, users)
}

// A panic on one of the client's goroutines (a list worker, a lookup
// worker, a batch sender) ends the read with an error instead of the
// process; the stack goes to the DEBUG log, the panic's value nowhere.
func TestPanicOnAGoroutineEndsTheRead(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 46, Users: 3000})
	srv := emutest.Start(t, tn)
	named := pick(tn, 300, func(tenant.User) bool { return true })
	tests := []struct {
		name string
		q    directory.Query
	}{
		{"partitioned listing", directory.Query{Select: listColumns()}},
		{"listing with authentication methods", directory.Query{Select: listColumns(), AuthMethods: true}},
		{"explicit users", directory.Query{Select: listColumns(), UserPrincipalNames: upns(named)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log syncBuffer
			c := newEmuClient(t, srv, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			sink := &panicSink{n: 1}
			err := c.Users(context.Background(), tt.q, sink)
			var pe *panicError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want the panic as an error", err)
			}
			logged := log.String()
			if !strings.Contains(logged, "read_panics_test.go") {
				t.Errorf("the DEBUG log lacks the panic's stack:\n%s", logged)
			}
			for u := range tn.Users() {
				if strings.Contains(err.Error(), u.UserPrincipalName) || strings.Contains(logged, u.UserPrincipalName) {
					t.Fatalf("the error or the log shows a user's name %q", u.UserPrincipalName)
				}
			}
		})
	}
}

func upns(users []tenant.User) []string {
	out := make([]string, len(users))
	for i := range users {
		out[i] = users[i].UserPrincipalName
	}
	return out
}

// syncBuffer is a bytes.Buffer the client's goroutines may log to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A panic in an item's finish, which runs on a batch sender's goroutine,
// ends the batcher's run with an error.
func TestPanicInABatchSenderEndsTheRun(t *testing.T) {
	t.Parallel()
	st := newBatchStub(t, &batchScript{script: func(string, int) stepAnswer {
		return stepAnswer{status: http.StatusOK, body: okMethods}
	}})
	b := newBatcher(st.c)
	done := make(chan error, 1)
	go func() { done <- b.run(context.Background()) }()
	items := []*batchItem{{op: OpAuthMethods, url: "/users/1/authentication/methods", finish: func(*innerResponse) error {
		panic("finish failed for adele.vance@contoso.com")
	}}}
	if err := b.submit(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	b.closeInput()
	err := <-done
	var pe *panicError
	if !errors.As(err, &pe) || strings.Contains(err.Error(), "adele") {
		t.Fatalf("run = %v, want the panic as an error that does not show its value", err)
	}
}
