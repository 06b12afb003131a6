package graph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNewGraphError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   Error
	}{
		{"innerError", nil,
			`{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"d","request-id":"r-1","client-request-id":"c-1"}}}`,
			Error{Operation: OpGetUsers, Status: 404, Code: "Request_ResourceNotFound", Message: "Resource 'x' does not exist.", RequestID: "r-1", ClientRequestID: "c-1"}},
		{"innererror", nil,
			`{"error":{"code":"accessDenied","message":"Request Authorization failed","innererror":{"request-id":"r-2","client-request-id":"c-2"}}}`,
			Error{Operation: OpGetUsers, Status: 404, Code: "accessDenied", Message: "Request Authorization failed", RequestID: "r-2", ClientRequestID: "c-2"}},
		{"headers win", http.Header{"Request-Id": {"h-1"}, "Client-Request-Id": {"hc-1"}},
			`{"error":{"code":"X","message":"m","innerError":{"request-id":"r-3"}}}`,
			Error{Operation: OpGetUsers, Status: 404, Code: "X", Message: "m", RequestID: "h-1", ClientRequestID: "hc-1"}},
		{"not an envelope", nil, `<html>Bad gateway</html>`,
			Error{Operation: OpGetUsers, Status: 404, Message: "Not Found"}},
		{"control characters are cleaned", nil, "{\"error\":{\"code\":\"A\\u001b[31m\",\"message\":\"line1\\nline2\\u009b2J\"}}",
			Error{Operation: OpGetUsers, Status: 404, Code: "A [31m", Message: "line1 line2 2J"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := newGraphError(OpGetUsers, 404, h, []byte(tt.body))
			if *got != tt.want {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestNewGraphErrorBoundsTheMessage(t *testing.T) {
	t.Parallel()
	body := fmt.Sprintf(`{"error":{"code":"X","message":%q}}`, strings.Repeat("é", 5000))
	if got := newGraphError(OpListUsers, 400, http.Header{}, []byte(body)); len(got.Message) > maxMessage {
		t.Errorf("message of %d bytes, want at most %d", len(got.Message), maxMessage)
	}
}

func TestNewTokenError(t *testing.T) {
	t.Parallel()
	body := `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[7000215],"trace_id":"t-1","correlation_id":"c-1"}`
	cause := errors.New("cause")
	got := newTokenError(401, []byte(body), cause)
	want := Error{Operation: OpToken, Status: 401, Code: "AADSTS7000215", Message: "AADSTS7000215: Invalid client secret provided.",
		RequestID: "t-1", ClientRequestID: "c-1", Err: cause}
	if *got != want {
		t.Errorf("got %+v\nwant %+v", *got, want)
	}
	if !errors.Is(got, cause) {
		t.Error("the token error does not wrap its cause")
	}
}

func TestErrorWrapsItsCause(t *testing.T) {
	t.Parallel()
	e := pastTimeout(&Error{Operation: OpListUsers, Status: 429, Code: "TooManyRequests", Message: "later", RequestID: "r"}, 0)
	wrapped := fmt.Errorf("export: %w", e)
	var ge *Error
	if !errors.As(wrapped, &ge) || !errors.Is(wrapped, ErrThrottledPastTimeout) || ge.RequestID != "r" || ge.Code != "TooManyRequests" {
		t.Errorf("errors.As/Is through wrapping failed: %v", wrapped)
	}
	if !strings.Contains(e.Error(), "request-id r") || !strings.Contains(e.Error(), "throttled past the read timeout") {
		t.Errorf("Error() = %q, want the request-id and the reason", e.Error())
	}
}

// FuzzNewGraphError: an error body is hostile input that ends up in
// diagnostics; whatever it holds, the error's fields are bounded, valid
// UTF-8 and free of control characters (no terminal escapes, no forged lines).
func FuzzNewGraphError(f *testing.F) {
	f.Add([]byte(`{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"request-id":"r"}}}`), "h")
	f.Add([]byte(`{"error":{"code":"x\u001b[31m","message":"line\nforged: yes\u009b2J"}}`), "id\r\nX: y")
	f.Add([]byte("\xff\xfe"), "")
	f.Fuzz(func(t *testing.T, body []byte, requestID string) {
		e := newGraphError(OpListUsers, 400, http.Header{"Request-Id": {requestID}}, body)
		for name, v := range map[string]string{"code": e.Code, "message": e.Message, "request-id": e.RequestID, "client-request-id": e.ClientRequestID} {
			if !utf8.ValidString(v) || len(v) > maxMessage {
				t.Fatalf("%s %q: not valid UTF-8 or over %d bytes", name, v, maxMessage)
			}
			if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }) {
				t.Fatalf("%s %q holds a control character", name, v)
			}
		}
	})
}
