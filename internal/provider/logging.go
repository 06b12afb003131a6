package provider

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tflogHandler is the slog.Handler the Graph client logs through: it sends
// each record to tflog, with its attributes as structured fields, so that
// TF_LOG and TF_LOG_PATH govern them like every other provider log line.
//
// tflog keeps its logger (and the masking of secrets) in the context, so the
// record's context is used; records logged without one fall back to the
// context the provider was configured with.
//
// Records are handed to tflog one at a time: terraform-plugin-log (v0.11.0)
// applies the masks to the context's own field map in place, so two records
// logged at once through the read's context (the Graph client logs from
// every list chain) write that map concurrently, and the Go runtime ends
// the plugin with a fatal error.
type tflogHandler struct {
	fallback context.Context
	attrs    map[string]any // fields added with WithAttrs, keys already prefixed
	prefix   string         // group path, "a.b." for WithGroup("a").WithGroup("b")
	mu       *sync.Mutex    // shared by the handlers derived from one logger
}

var _ slog.Handler = (*tflogHandler)(nil)

func newLogger(ctx context.Context) *slog.Logger {
	return slog.New(&tflogHandler{fallback: ctx, mu: new(sync.Mutex)})
}

func (h *tflogHandler) ctx(ctx context.Context) context.Context {
	if ctx == nil || ctx == context.Background() || ctx == context.TODO() {
		return h.fallback
	}
	return ctx
}

// Enabled asks tflog, which knows the level TF_LOG set, so that records
// nobody will read are not built.
func (h *tflogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	ctx = h.ctx(ctx)
	switch {
	case level < slog.LevelDebug:
		return tflog.IsTrace(ctx)
	case level < slog.LevelInfo:
		return tflog.IsDebug(ctx)
	case level < slog.LevelWarn:
		return tflog.IsInfo(ctx)
	case level < slog.LevelError:
		return tflog.IsWarn(ctx)
	default:
		return tflog.IsError(ctx)
	}
}

func (h *tflogHandler) Handle(ctx context.Context, r slog.Record) error {
	ctx = h.ctx(ctx)
	fields := make(map[string]any, len(h.attrs)+r.NumAttrs())
	for k, v := range h.attrs {
		fields[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addField(fields, h.prefix, a)
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.Level < slog.LevelDebug:
		tflog.Trace(ctx, r.Message, fields)
	case r.Level < slog.LevelInfo:
		tflog.Debug(ctx, r.Message, fields)
	case r.Level < slog.LevelWarn:
		tflog.Info(ctx, r.Message, fields)
	case r.Level < slog.LevelError:
		tflog.Warn(ctx, r.Message, fields)
	default:
		tflog.Error(ctx, r.Message, fields)
	}
	return nil
}

func (h *tflogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := &tflogHandler{fallback: h.fallback, prefix: h.prefix, attrs: make(map[string]any, len(h.attrs)+len(attrs)), mu: h.mu}
	for k, v := range h.attrs {
		next.attrs[k] = v
	}
	for _, a := range attrs {
		addField(next.attrs, h.prefix, a)
	}
	return next
}

func (h *tflogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &tflogHandler{fallback: h.fallback, attrs: h.attrs, prefix: h.prefix + name + ".", mu: h.mu}
}

// addField flattens an attribute into fields: groups become dotted keys,
// and values become what reads well in a JSON log line.
func addField(fields map[string]any, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		groupPrefix := prefix
		if a.Key != "" {
			groupPrefix += a.Key + "."
		}
		for _, member := range a.Value.Group() {
			addField(fields, groupPrefix, member)
		}
		return
	}
	fields[prefix+a.Key] = fieldValue(a.Value)
}

func fieldValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return err.Error()
		}
		return v.Any()
	default:
		return v.Any()
	}
}
