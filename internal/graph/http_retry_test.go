package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{"0.5", 500 * time.Millisecond, true},
		{"2.128", 2128 * time.Millisecond, true},
		{" 7 ", 7 * time.Second, true},
		{"Wed, 10 Jan 2024 08:00:04 GMT", 4 * time.Second, true},
		{"Wed, 10 Jan 2024 07:59:00 GMT", 0, true}, // in the past: go now
		{"86400", maxRetryAfter, true},
		{"9223372037", maxRetryAfter, true}, // past time.Duration's range: must not overflow into no wait
		{"1e300", maxRetryAfter, true},
		{"Inf", maxRetryAfter, true},
		{"", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := parseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBackoffJitter(t *testing.T) {
	t.Parallel()
	p := newRetryPolicy(newFakeClock(), 42)
	for attempt := 1; attempt <= 10; attempt++ {
		step := min(p.baseDelay<<(attempt-1), p.maxDelay)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.backoff(attempt)
			if d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, step/2, step)
			}
			seen[d] = true
		}
		if len(seen) < 50 {
			t.Errorf("backoff(%d) took only %d distinct values in 200 draws: no jitter", attempt, len(seen))
		}
	}
}

// countHandler answers /v1.0/users/$count with the answers in turn, then 42.
func countHandler(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) (http.Handler, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.URL.Path != "/v1.0/users/$count" || r.Header.Get("ConsistencyLevel") != "eventual" {
			writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "unexpected request "+r.URL.String())
			return
		}
		if i < len(answers) {
			answers[i](w, r)
			return
		}
		_, _ = fmt.Fprint(w, "42")
	}), &n
}

func throttled(retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
	}
}

func status(code int, graphCode string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { writeGraphError(w, code, graphCode, "failed") }
}

// reset drops the connection without an answer.
func reset(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// truncated promises a longer body than it sends, then drops the connection.
func truncated(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("4"))
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}

func TestRetryPolicyWaits(t *testing.T) {
	t.Parallel()
	clockDate := func(c *fakeClock, d time.Duration) string { return c.Now().Add(d).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name    string
		answers func(c *fakeClock) []func(http.ResponseWriter, *http.Request)
		check   func(t *testing.T, sleeps []time.Duration)
	}{
		{"429 whole seconds", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){throttled("2")}
		}, exactly(2 * time.Second)},
		{"429 fractional seconds", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){throttled("0.5"), throttled("2.128")}
		}, exactly(500*time.Millisecond, 2128*time.Millisecond)},
		{"429 HTTP date", func(c *fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
				throttled(clockDate(c, 3*time.Second))(w, r)
			}}
		}, exactly(3 * time.Second)},
		{"429 without Retry-After backs off", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){throttled(""), throttled("")}
		}, between([2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, [2]time.Duration{500 * time.Millisecond, time.Second})},
		{"503 and 504", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){status(503, "serviceNotAvailable"), status(504, "gatewayTimeout")}
		}, between([2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, [2]time.Duration{500 * time.Millisecond, time.Second})},
		{"500 and 502", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){status(500, "generalException"), status(502, "badGateway")}
		}, between([2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, [2]time.Duration{500 * time.Millisecond, time.Second})},
		// A Retry-After below the first backoff step is no Retry-After: a
		// server answering 0 (or a date already past) would otherwise be
		// asked again at once, as often as the retry limit allows.
		{"429 Retry-After 0 backs off", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){throttled("0"), throttled("0"), throttled("0.1")}
		}, between([2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, [2]time.Duration{500 * time.Millisecond, time.Second},
			[2]time.Duration{time.Second, 2 * time.Second})},
		// Backing off instead still waits what the server asked for.
		{"429 Retry-After 0.45 waits at least that", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){throttled("0.45")}
		}, between([2]time.Duration{450 * time.Millisecond, 500 * time.Millisecond})},
		{"503 Retry-After in the past backs off", func(c *fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", clockDate(c, -time.Hour))
				status(503, "serviceNotAvailable")(w, r)
			}}
		}, between([2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond})},
		{"connection reset and truncated body", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){reset, truncated}
		}, count(2)},
		{"malformed body", func(*fakeClock) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprint(w, "forty") }}
		}, count(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var st *stubServer
			clk := newFakeClock()
			h, _ := countHandler(t, tt.answers(clk)...)
			st = newStub(t, h)
			st.c.retry.clock = clk
			n, err := st.c.count(context.Background(), "", "")
			if err != nil || n != 42 {
				t.Fatalf("count = %d, %v; want 42", n, err)
			}
			tt.check(t, clk.sleeps())
		})
	}
}

func exactly(want ...time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, got []time.Duration) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("waits = %v, want %v", got, want)
		}
	}
}

func between(bounds ...[2]time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, got []time.Duration) {
		t.Helper()
		if len(got) != len(bounds) {
			t.Fatalf("waits = %v, want %d of them", got, len(bounds))
		}
		for i, b := range bounds {
			if got[i] < b[0] || got[i] > b[1] {
				t.Errorf("wait %d = %v, want within %v", i, got[i], b)
			}
		}
	}
}

func count(n int) func(*testing.T, []time.Duration) {
	return func(t *testing.T, got []time.Duration) {
		t.Helper()
		if len(got) != n {
			t.Errorf("waits = %v, want %d", got, n)
		}
	}
}

func TestRetryStopsBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	h, calls := countHandler(t, throttled("30"))
	st := newStub(t, h)
	ctx, cancel := context.WithDeadline(context.Background(), st.clock.Now().Add(10*time.Second))
	defer cancel()
	_, err := st.c.count(ctx, "", "")
	var ge *Error
	if !errors.As(err, &ge) || !errors.Is(err, ErrThrottledPastTimeout) {
		t.Fatalf("err = %v, want an *Error wrapping ErrThrottledPastTimeout", err)
	}
	if ge.Status != http.StatusTooManyRequests || ge.Code != "TooManyRequests" || ge.RequestID != "req-TooManyRequests" || ge.Operation != OpCountUsers {
		t.Errorf("error = %+v, want the 429's status, code, request-id and operation", ge)
	}
	if s := st.clock.sleeps(); len(s) != 0 || calls.Load() != 1 {
		t.Errorf("slept %v after %d requests; want no wait past the deadline", s, calls.Load())
	}
}

func TestRetryHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, calls := countHandler(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		status(503, "serviceNotAvailable")(w, r)
	})
	st := newStub(t, h)
	_, err := st.c.count(ctx, "", "")
	if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Fatalf("err = %v after %d requests, want context.Canceled after 1", err, calls.Load())
	}
}

func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status int
		code   string
	}{{500, "generalException"}, {502, "badGateway"}, {503, "serviceNotAvailable"}, {504, "gatewayTimeout"}} {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			always := make([]func(http.ResponseWriter, *http.Request), 20)
			for i := range always {
				always[i] = status(tt.status, tt.code)
			}
			h, calls := countHandler(t, always...)
			st := newStub(t, h)
			_, err := st.c.count(context.Background(), "", "")
			var ge *Error
			if !errors.As(err, &ge) || ge.Status != tt.status || ge.Code != tt.code {
				t.Fatalf("err = %v, want the last %d", err, tt.status)
			}
			if int(calls.Load()) != st.c.retry.maxTransient {
				t.Errorf("sent %d requests, want %d", calls.Load(), st.c.retry.maxTransient)
			}
		})
	}
}

func TestFinalErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 403, 404, 501} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			h, calls := countHandler(t, status(code, "Some_Code"))
			st := newStub(t, h)
			_, err := st.c.count(context.Background(), "", "")
			var ge *Error
			if !errors.As(err, &ge) || ge.Status != code || ge.Code != "Some_Code" || ge.RequestID != "req-Some_Code" || ge.ClientRequestID == "" {
				t.Fatalf("err = %#v, want *Error with status %d, code, request ids", err, code)
			}
			if calls.Load() != 1 {
				t.Errorf("sent %d requests, want 1", calls.Load())
			}
		})
	}
}

func TestExpiredTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	var tokens []string
	h, calls := countHandler(t, func(w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, r.Header.Get("Authorization"))
		status(401, codeInvalidToken)(w, r)
	}, func(w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, r.Header.Get("Authorization"))
		_, _ = fmt.Fprint(w, "42")
	})
	st := newStub(t, h)
	if _, err := st.c.count(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || len(tokens) != 2 || tokens[0] != "Bearer token-1" || tokens[1] != "Bearer token-2" {
		t.Errorf("requests carried %v; want token-1 then a new token-2", tokens)
	}
	if c := st.cred.claims; len(c) != 2 || c[0] != "" || c[1] == "" {
		t.Errorf("token requests' claims = %q; want the refresh to carry claims that bypass the cache", c)
	}
}

func TestRejectedTwiceFails(t *testing.T) {
	t.Parallel()
	rejectAll := []func(http.ResponseWriter, *http.Request){}
	for range 3 {
		rejectAll = append(rejectAll, status(401, codeInvalidToken))
	}
	h, calls := countHandler(t, rejectAll...)
	st := newStub(t, h)
	_, err := st.c.count(context.Background(), "", "")
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 401 || calls.Load() != 2 {
		t.Fatalf("err = %v after %d requests, want a 401 *Error after 2", err, calls.Load())
	}
}

// FuzzParseRetryAfter: whatever a server sends as Retry-After, the wait is
// never negative (an immediate retry storm) nor longer than the cap.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC)
	for _, s := range []string{"0.5", "2.128", "3", "Wed, 10 Jan 2024 08:00:04 GMT", "9223372037", "1e300", "Inf", "-0", "0x1p-2", "NaN", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if ok && (d < 0 || d > maxRetryAfter) {
			t.Fatalf("parseRetryAfter(%q) = %v: outside [0, %v]", v, d, maxRetryAfter)
		}
		if !ok && d != 0 {
			t.Fatalf("parseRetryAfter(%q) = %v without a value", v, d)
		}
	})
}
