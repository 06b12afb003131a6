package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// Sentinel causes an *Error can wrap; test them with errors.Is.
var (
	// ErrNoCredential: no way to obtain a token is configured (see
	// credential.Kinds for the ways).
	ErrNoCredential = credential.ErrNoCredential

	// ErrThrottledPastTimeout: Graph kept answering 429/503/504 (or the
	// network kept failing) until the next wait would pass the read deadline.
	ErrThrottledPastTimeout = errors.New("throttled past the read timeout")

	// ErrIncomplete: the users listed did not match Graph's own count even
	// after the partition was listed again, so the result would be short.
	ErrIncomplete = errors.New("listing incomplete")
)

// Graph error codes the client acts on. It never branches on messages.
const (
	codeInvalidToken     = "InvalidAuthenticationToken"
	codeExpiredPageToken = "Directory_ExpiredPageToken"
)

// maxMessage bounds the message kept from a response: the body is hostile
// input and ends up in diagnostics.
const maxMessage = 1024

// odataEnvelope is Graph's error body. encoding/json matches keys without
// regard to case, so both "innerError" and "innererror" land in InnerError.
type odataEnvelope struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// newGraphError builds the *Error for a failed Graph response. Headers win
// over the body for the ids, as they are set by Graph's front end even when
// the body is not an envelope.
func newGraphError(op string, status int, header http.Header, body []byte) *Error {
	e := &Error{Operation: op, Status: status}
	var env odataEnvelope
	if json.Unmarshal(body, &env) == nil {
		e.Code = clean(env.Error.Code)
		e.Message = clean(env.Error.Message)
		e.RequestID = clean(env.Error.InnerError.RequestID)
		e.ClientRequestID = clean(env.Error.InnerError.ClientRequestID)
	}
	setIDs(e, header)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// setIDs copies Graph's request ids from headers into e, where present.
func setIDs(e *Error, h http.Header) {
	if v := h.Get("request-id"); v != "" {
		e.RequestID = clean(v)
	}
	if v := h.Get("client-request-id"); v != "" {
		e.ClientRequestID = clean(v)
	}
}

// clean makes a value from a response safe to print: valid UTF-8, no control
// characters, at most maxMessage bytes. It cuts twice: first cheaply, so a
// huge value is not copied whole, then again after each invalid byte became
// a three-byte replacement character.
func clean(s string) string {
	if len(s) > maxMessage {
		s = s[:maxMessage]
	}
	s = truncateRunes(strings.ToValidUTF8(s, "\uFFFD"), maxMessage)
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, strings.TrimRight(s, "\r\n "))
}

// isControl reports C0 and C1 control characters and DEL: terminals act on
// them (ESC and CSI start escape sequences), so none may reach a diagnostic.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// truncateRunes cuts s to at most n bytes without splitting a character.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// tokenEndpointError is the OAuth error body of the Entra token endpoint.
type tokenEndpointError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

// newTokenError builds the *Error for a failed token request from the
// endpoint's answer (status 0 and no body when there was none).
func newTokenError(status int, body []byte, cause error) *Error {
	e := &Error{Operation: OpToken, Status: status, Err: cause}
	var te tokenEndpointError
	if len(body) > 0 && json.Unmarshal(body, &te) == nil {
		e.Code = clean(te.Error)
		if len(te.Codes) > 0 {
			e.Code = "AADSTS" + strconv.Itoa(te.Codes[0])
		}
		// Entra appends trace and correlation ids on further lines.
		first, _, _ := strings.Cut(te.Description, "\n")
		e.Message = clean(first)
		e.RequestID = clean(te.TraceID)
		e.ClientRequestID = clean(te.CorrelationID)
	}
	if e.Message == "" && cause != nil {
		e.Message = clean(firstLine(cause.Error()))
	}
	return e
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// errorCode returns the Graph code of err if it is an *Error.
func errorCode(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return ""
}
