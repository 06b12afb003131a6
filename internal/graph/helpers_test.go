package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// fakeClock is a clock whose sleeps pass at once: they advance its time and
// are recorded, so retry tests run in no wall time and see every wait.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// newFakeClock starts at the wall time (whole seconds), so that context
// deadlines, which are wall times, compare with it.
func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch, func() {}
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// fakeCredential hands out numbered tokens and records the requests.
type fakeCredential struct {
	mu     sync.Mutex
	n      int
	claims []string
	calls  atomic.Int64
	err    error
}

func (f *fakeCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	f.n++
	f.claims = append(f.claims, opts.Claims)
	return azcore.AccessToken{Token: fmt.Sprintf("token-%d", f.n), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// stubServer is an httptest TLS server with a client for it, pointed at by
// a client built around a fakeCredential and a fakeClock.
type stubServer struct {
	srv   *httptest.Server
	cred  *fakeCredential
	clock *fakeClock
	c     *Client
}

func newStub(t *testing.T, h http.Handler) *stubServer {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{GraphEndpoint: srv.URL, HTTPClient: srv.Client(), Concurrency: 4, Logger: testLogger(t)}
	ep, err := resolveEndpoints(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &stubServer{srv: srv, cred: &fakeCredential{}, clock: newFakeClock()}
	st.c, err = assemble(cfg, ep, st.cred, credential.Secret, st.clock)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// graphErrorBody is Graph's error envelope.
func graphErrorBody(code, message, requestID string) string {
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q,"innerError":{"date":"2024-01-10T08:00:00","request-id":%q,"client-request-id":"c-1"}}}`,
		code, message, requestID)
}

// writeGraphError answers with Graph's error envelope.
func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req-"+code)
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, graphErrorBody(code, message, "req-"+code))
}

// testLogger sends the client's logs to the test log when -v is given with
// GRAPH_TEST_LOG=1.
func testLogger(tb testing.TB) *slog.Logger {
	tb.Helper()
	if os.Getenv("GRAPH_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
