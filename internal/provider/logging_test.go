package provider

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestTFLogHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		log  func(ctx context.Context, l *slog.Logger)
		want []map[string]any
		// viaFallback: the lines go to the provider's context, not the record's.
		viaFallback bool
	}{
		{
			name: "levels and fields",
			log: func(ctx context.Context, l *slog.Logger) {
				l.InfoContext(ctx, "listed page", "users", 999, "elapsed", 1500*time.Millisecond)
				l.Log(ctx, slog.LevelDebug-4, "raw response", "status", 200)
				l.WarnContext(ctx, "throttled", slog.Group("retry", "after", "2s", "attempt", 3))
				l.ErrorContext(ctx, "failed", "err", errors.New("boom"))
			},
			want: []map[string]any{
				{"@level": "info", "@message": "listed page", "users": float64(999), "elapsed": "1.5s"},
				{"@level": "trace", "@message": "raw response", "status": float64(200)},
				{"@level": "warn", "@message": "throttled", "retry.after": "2s", "retry.attempt": float64(3)},
				{"@level": "error", "@message": "failed", "err": "boom"},
			},
		},
		{
			name: "WithAttrs and WithGroup",
			log: func(ctx context.Context, l *slog.Logger) {
				l = l.With("partition", "a").WithGroup("page").With("n", 2)
				l.DebugContext(ctx, "page", "size", 10)
			},
			want: []map[string]any{
				{"@level": "debug", "@message": "page", "partition": "a", "page.n": float64(2), "page.size": float64(10)},
			},
		},
		{
			name: "a record without a context uses the provider's",
			log: func(_ context.Context, l *slog.Logger) {
				l.Info("no context", "k", "v")
			},
			want:        []map[string]any{{"@level": "info", "@message": "no context", "k": "v"}},
			viaFallback: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var recordOut, fallbackOut bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &recordOut)
			tt.log(ctx, newLogger(tflogtest.RootLogger(context.Background(), &fallbackOut)))
			out, other := &recordOut, &fallbackOut
			if tt.viaFallback {
				out, other = other, out
			}
			if other.Len() > 0 {
				t.Errorf("lines went to the wrong context: %s", other)
			}
			got := decodeLog(t, out)
			for _, e := range got { // only the fields under test
				for k := range e {
					if k == "@caller" || k == "@module" || k == "@timestamp" {
						delete(e, k)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("log lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMaskSecrets: should a secret or a bearer token reach a log line
// through the Graph client, the read's context masks it, and so does the
// provider's, which records logged without a context go to.
func TestMaskSecrets(t *testing.T) {
	t.Parallel()
	const secret = "Pa55w0rd~Secret"
	const token = "eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQiOiJodHRwczovL2dyYXBo.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	mask := maskSecrets([]string{secret})
	args := []any{"body", "client_secret=" + secret, "authorization", "Bearer x", "t", token}
	tests := []struct {
		name string
		log  func(ctx context.Context, l *slog.Logger)
		// viaFallback: the line goes to the provider's context, not the record's.
		viaFallback bool
	}{
		{
			name: "the read's context",
			log: func(ctx context.Context, l *slog.Logger) {
				l.InfoContext(ctx, "sent "+secret+" and Bearer "+token, args...)
			},
		},
		{
			name: "no context: the provider's",
			log: func(_ context.Context, l *slog.Logger) {
				l.Info("sent "+secret+" and Bearer "+token, args...)
			},
			viaFallback: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var recordOut, fallbackOut bytes.Buffer
			l := newLogger(mask(tflogtest.RootLogger(context.Background(), &fallbackOut)))
			tt.log(mask(tflogtest.RootLogger(context.Background(), &recordOut)), l)
			out, other := &recordOut, &fallbackOut
			if tt.viaFallback {
				out, other = other, out
			}
			if other.Len() > 0 {
				t.Errorf("lines went to the wrong context: %s", other)
			}
			logged := out.String()
			for _, leak := range []string{secret, token, "Bearer x"} {
				if strings.Contains(logged, leak) {
					t.Errorf("log holds %q: %s", leak, logged)
				}
			}
			if !strings.Contains(logged, "sent ***") {
				t.Errorf("log lost its message: %s", logged)
			}
		})
	}
}

func decodeLog(t *testing.T, out *bytes.Buffer) []map[string]any {
	t.Helper()
	entries, err := tflogtest.MultilineJSONDecode(out)
	if err != nil {
		t.Fatalf("decode log: %v", err)
	}
	return entries
}
