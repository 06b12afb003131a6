package graphemu

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// abortMode says how a reply breaks the connection instead of answering
// normally.
type abortMode int

const (
	abortNone     abortMode = iota
	abortReset              // drop the connection, no answer
	abortTruncate           // answer with half the body, then drop the connection
	abortGone               // the client went away: write nothing
)

// reply is an answer not yet written: an HTTP response, or an inner $batch
// response.
type reply struct {
	status int
	header http.Header
	body   [][]byte // written one after the other; a list page's users are one part
	items  int      // objects in the answer (the latency model and counters)
	abort  abortMode
}

func (rp *reply) bodyLen() int {
	n := 0
	for _, b := range rp.body {
		n += len(b)
	}
	return n
}

func (rp *reply) bodyBytes() []byte {
	if len(rp.body) == 1 {
		return rp.body[0]
	}
	return bytes.Join(rp.body, nil)
}

// Content types Graph answers with.
const (
	contentTypeOData = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	contentTypeJSON  = "application/json"
	contentTypeText  = "text/plain"
)

// Graph error codes and messages the service layer answers with.
const (
	codeTooManyRequests = "TooManyRequests"
	msgTooManyRequests  = "Please retry again later."
	codeRequestDenied   = "Authorization_RequestDenied"
	msgRequestDenied    = "Insufficient privileges to complete the operation."
	codeAccessDenied    = "accessDenied"
	msgAccessDenied     = "Request Authorization failed"
	codeBadRequest      = "BadRequest"
	// The reports' refusal without AuditLog.Read.All.
	codePermissionMissing = "Authentication_MSGraphPermissionMissing"
	msgAuditLogMissing    = "Calling principal does not have required MSGraph permissions AuditLog.Read.All"
)

// graphErrorBody is Graph's error envelope.
type graphErrorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// graphError is Graph's error answer.
func (s *Server) graphError(c *call, status int, code, message string) *reply {
	var b graphErrorBody
	b.Error.Code, b.Error.Message = code, message
	b.Error.InnerError.Date = s.cfg.Clock.Now().UTC().Format("2006-01-02T15:04:05")
	b.Error.InnerError.RequestID, b.Error.InnerError.ClientRequestID = c.requestID, c.clientRequestID
	return &reply{
		status: status,
		header: http.Header{"Content-Type": {contentTypeJSON}},
		body:   [][]byte{marshalJSON(b)},
	}
}

// marshalJSON encodes v without HTML escaping (Graph writes "&" in links as
// is). The values are the emulator's own structs, which always encode.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("graphemu: encoding " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// appendJSONString appends s as a JSON string literal, as marshalJSON would
// write it but without its allocations: the tenant's encoder, the one the
// users themselves are written with.
func appendJSONString(dst []byte, s string) []byte { return tenant.AppendJSONString(dst, s) }

func itoa(n int) string { return strconv.Itoa(n) }

// write sends a reply over HTTP, or breaks the connection as it says.
func (s *Server) write(w http.ResponseWriter, rp *reply) {
	if rp.abort == abortGone {
		return
	}
	if rp.abort == abortReset {
		s.counters.aborted.Add(1)
		dropConnection(w, true)
		return
	}
	h := w.Header()
	for k, v := range rp.header {
		h[k] = v
	}
	n := rp.bodyLen()
	h.Set("Content-Length", itoa(n))
	w.WriteHeader(rp.status)
	if rp.abort == abortTruncate {
		s.counters.aborted.Add(1)
		writeParts(w, rp.body, n/2)
		_ = http.NewResponseController(w).Flush()
		dropConnection(w, false)
		return
	}
	writeParts(w, rp.body, n)
}

// writeParts writes the first limit bytes of parts. Write errors mean the
// client went away; there is nobody left to tell.
func writeParts(w http.ResponseWriter, parts [][]byte, limit int) {
	for _, p := range parts {
		if limit <= 0 {
			return
		}
		if len(p) > limit {
			p = p[:limit]
		}
		if _, err := w.Write(p); err != nil {
			return
		}
		limit -= len(p)
	}
}

// dropConnection closes the connection under an answer in progress. Over
// HTTP/1.1 it hijacks the connection and closes it (with an RST when reset is
// set, as a crashed or overloaded front end does); over HTTP/2, where there is
// no connection of one's own, it resets the stream.
func dropConnection(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http resets the stream and logs nothing
	}
	if reset {
		setLingerZero(conn)
	}
	_ = conn.Close() // the point is to break the connection; how it closes does not matter
}

// setLingerZero makes Close send a TCP RST instead of a FIN.
func setLingerZero(conn net.Conn) {
	type netConner interface{ NetConn() net.Conn }
	if nc, ok := conn.(netConner); ok {
		conn = nc.NetConn()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // best effort: a FIN breaks the answer too
	}
}
