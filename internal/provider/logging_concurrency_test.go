package provider

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// lockedBuffer is a bytes.Buffer many goroutines (or a command's stdout
// and stderr) may write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTFLogHandlerConcurrent logs from many goroutines at once through the
// read's context, with a field and the masks maskSecrets sets, as the
// Graph client's list chains do. terraform-plugin-log masks the context's
// field map in place, so unserialised calls crash the process with a
// concurrent map write; every line must also arrive, masked.
func TestTFLogHandlerConcurrent(t *testing.T) {
	t.Parallel()
	const secret = "Pa55w0rd~Secret"
	var out lockedBuffer
	ctx := tflog.SetField(tflogtest.RootLogger(context.Background(), &out), "tf_req_id", "req-1")
	ctx = maskSecrets([]string{secret})(ctx)
	l := newLogger(context.Background())
	const goroutines, lines = 32, 100
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				l.DebugContext(ctx, "partition done", "goroutine", g, "line", i, "note", "held "+secret)
			}
		}()
	}
	wg.Wait()
	logged := out.String()
	if n := strings.Count(logged, `"@message":"partition done"`); n != goroutines*lines {
		t.Errorf("%d lines logged, want %d", n, goroutines*lines)
	}
	if strings.Contains(logged, secret) {
		t.Error("a line holds the secret")
	}
}
