package provider

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// frontCert is the certificate of every recording front the fault matrix
// starts. TestMain trusts it through SSL_CERT_FILE beside the emulator's
// CA, so the in-process provider reaches a front as it reaches Graph.
var frontCert tls.Certificate //nolint:gochecknoglobals // set once by TestMain before any test runs

// newFrontCertificate makes a self-signed certificate for the loopback
// names: it is its own root, which Go accepts when the root pool holds it.
func newFrontCertificate() (tls.Certificate, []byte, error) {
	return selfSignedCertificate("aad-export fault matrix front", []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, []string{"localhost"})
}

// selfSignedCertificate makes a server certificate for the addresses and
// names that is its own root; it returns the certificate and its PEM.
func selfSignedCertificate(commonName string, ips []net.IP, names []string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           ips,
		DNSNames:              names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// front serves an emulator over TLS (HTTP/2 and HTTP/1.1, like the emulator's
// own listener) and records every exchange as the emulator answered it: when
// the request arrived, when the answer ended, its status and Retry-After, how
// the connection broke, and for a $batch its inner requests and answers. The
// records are what the matrix reads the provider's behaviour from: which
// requests were retried, after how long, with which token.
type front struct {
	emu *graphemu.Server
	url string

	mu        sync.Mutex
	exchanges []*exchange
	arrived   chan string // the kind of each request as it arrives, for tests that act mid-read
}

// exchange is one HTTP request and the emulator's answer to it.
type exchange struct {
	kind       string // token, discovery, count, listFirst, listNext, batch, get, other
	method     string
	uri        string
	body       []byte // the request body, kept for $batch only
	auth       string // a short hash of the bearer token, to tell tokens apart without holding them
	start, end time.Time
	status     int
	broken     string // "", "reset" or "truncated"
	retryAfter string
	code       string // Graph's (or Entra's) error code, for error answers
	inner      []innerExchange
}

// innerExchange is one request of a $batch and its answer.
type innerExchange struct {
	url        string
	status     int
	retryAfter string
	code       string
}

// startFront builds an emulator from cfg and serves it behind a new front.
func startFront(t *testing.T, cfg graphemu.Config) *front {
	t.Helper()
	cfg.CA = testCA // unused without the emulator's own listener; saves making a CA
	emu, err := graphemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &front{emu: emu, arrived: make(chan string, 4096)}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0") // binding is immediate; nothing to cancel
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{frontCert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          discardLog(),
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }() // ends with ErrServerClosed when the test closes it
	t.Cleanup(func() { _ = srv.Close() })
	f.url = "https://" + ln.Addr().String()
	return f
}

// URL is the base URL of Graph and of the token endpoint behind the front.
func (f *front) URL() string { return f.url }

// AuthorityHost is the authority host azidentity takes: the URL with a slash.
func (f *front) AuthorityHost() string { return f.url + "/" }

// reset forgets what was recorded (after a baseline read).
func (f *front) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchanges = nil
	f.emu.ResetCounters()
}

// log returns the exchanges recorded so far, in order of arrival.
func (f *front) log() []*exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*exchange, len(f.exchanges))
	copy(out, f.exchanges)
	return out
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := &exchange{kind: requestKind(r), method: r.Method, uri: r.URL.RequestURI(), auth: tokenHash(r.Header.Get("Authorization")), start: time.Now()}
	if e.kind == "batch" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client went away while sending
		}
		e.body = body
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	f.exchanges = append(f.exchanges, e)
	f.mu.Unlock()
	select {
	case f.arrived <- e.kind:
	default:
	}
	rw := &recordingWriter{ResponseWriter: w, keep: e.kind == "batch"}
	defer func() {
		f.settle(e, rw)
		if p := recover(); p != nil {
			panic(p) // the emulator's way to reset an HTTP/2 stream: pass it on
		}
	}()
	f.emu.Handler().ServeHTTP(rw, r)
}

// settle records how an exchange ended.
func (f *front) settle(e *exchange, rw *recordingWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.end = time.Now()
	e.status = rw.status
	switch {
	case rw.status == 0 || rw.hijacked && rw.written == 0:
		e.status, e.broken = 0, "reset"
	case rw.declared >= 0 && rw.written < rw.declared:
		e.broken = "truncated"
	}
	if rw.header != nil {
		e.retryAfter = rw.header.Get("Retry-After")
	}
	if e.broken != "" {
		return
	}
	if e.status >= 400 {
		e.code = errorCodeOf(rw.body.Bytes())
	}
	if e.kind == "batch" && e.status == http.StatusOK {
		e.inner = innerExchanges(e.body, rw.body.Bytes())
	}
}

// recordingWriter passes an answer through and remembers its status,
// headers, length and (when keep is set or it is an error) its body.
type recordingWriter struct {
	http.ResponseWriter
	keep     bool
	status   int
	header   http.Header
	declared int64
	written  int64
	hijacked bool
	body     bytes.Buffer
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.header = w.ResponseWriter.Header().Clone()
		w.declared = -1
		if n, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil {
			w.declared = n
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	if w.keep || w.status >= 400 {
		w.body.Write(p[:n])
	}
	return n, err
}

// Hijack is how the emulator breaks an HTTP/1.1 connection; over HTTP/2 it
// fails and the emulator resets the stream instead.
func (w *recordingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	w.hijacked = err == nil
	return conn, rw, err
}

// discardLog silences the front's HTTP server: the resets the emulator
// provokes on purpose would fill the test output.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// requestKind names a request the way the emulator's endpoints do.
func requestKind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		return "token"
	case strings.Contains(p, "/.well-known/") || strings.Contains(p, "/discovery/"):
		return "discovery"
	case p == "/v1.0/$batch":
		return "batch"
	case p == "/v1.0/users/$count":
		return "count"
	case p == "/v1.0/users" && r.URL.Query().Has("$skiptoken"):
		return "listNext"
	case p == "/v1.0/users":
		return "listFirst"
	case strings.HasPrefix(p, "/v1.0/users/"):
		return "get"
	default:
		return "other"
	}
}

// tokenHash tells bearer tokens apart in the records without keeping them.
func tokenHash(authorization string) string {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:4])
}

// errorCodeOf reads the code of a Graph error envelope or of an OAuth
// error body.
func errorCodeOf(body []byte) string {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var graphErr struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(v.Error, &graphErr) == nil {
		return graphErr.Code
	}
	var oauth string
	if json.Unmarshal(v.Error, &oauth) == nil {
		return oauth
	}
	return ""
}

// innerExchanges pairs the requests of a $batch with their answers.
func innerExchanges(request, response []byte) []innerExchange {
	var req struct {
		Requests []struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"requests"`
	}
	var resp struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"responses"`
	}
	if json.Unmarshal(request, &req) != nil || json.Unmarshal(response, &resp) != nil {
		return nil
	}
	urls := make(map[string]string, len(req.Requests))
	for _, r := range req.Requests {
		urls[r.ID] = r.URL
	}
	out := make([]innerExchange, 0, len(resp.Responses))
	for _, r := range resp.Responses {
		ie := innerExchange{url: urls[r.ID], status: r.Status}
		for k, v := range r.Headers {
			if strings.EqualFold(k, "Retry-After") {
				ie.retryAfter = v
			}
		}
		if r.Status >= 400 {
			ie.code = errorCodeOf(r.Body)
		}
		out = append(out, ie)
	}
	return out
}

// batchURLs lists the inner request URLs of a $batch request body.
func batchURLs(body []byte) map[string]bool {
	var req struct {
		Requests []struct {
			URL string `json:"url"`
		} `json:"requests"`
	}
	urls := map[string]bool{}
	if json.Unmarshal(body, &req) == nil {
		for _, r := range req.Requests {
			urls[r.URL] = true
		}
	}
	return urls
}

// retry is a failed attempt and the next attempt at the same request.
type retry struct {
	kind       string
	status     int    // of the failed attempt; 0 for a broken connection
	broken     string // how the failed attempt's connection broke
	code       string
	retryAfter string
	failedEnd  time.Time
	nextStart  time.Time
	sameToken  bool
}

// gap is how long the client waited between the failed answer and its next
// try; the front records both ends on one clock.
func (r *retry) gap() time.Duration { return r.nextStart.Sub(r.failedEnd) }

// failed reports whether an exchange did not succeed.
func (e *exchange) failed() bool {
	return e.broken != "" || e.status < 200 || e.status >= 300
}

// key identifies what an exchange asked for: the same key again is the
// same request tried again.
func (e *exchange) key() string {
	sum := sha256.Sum256(e.body)
	return e.method + " " + e.uri + " " + hex.EncodeToString(sum[:8])
}

// retries pairs every failed exchange with the next attempt at the same
// request, and every failed inner $batch request with the next $batch that
// carries it again.
func retries(records []*exchange) []*retry {
	var out []*retry
	for i, e := range records {
		if e.failed() {
			if next := nextSame(records[i+1:], e); next != nil {
				out = append(out, &retry{kind: e.kind, status: e.status, broken: e.broken, code: e.code, retryAfter: e.retryAfter,
					failedEnd: e.end, nextStart: next.start, sameToken: next.auth == e.auth})
			}
			continue
		}
		for _, ie := range e.inner {
			if ie.status >= 200 && ie.status < 300 {
				continue
			}
			if next := nextBatchWith(records[i+1:], e.end, ie.url); next != nil {
				out = append(out, &retry{kind: "inner", status: ie.status, code: ie.code, retryAfter: ie.retryAfter,
					failedEnd: e.end, nextStart: next.start, sameToken: next.auth == e.auth})
			}
		}
	}
	return out
}

func nextSame(later []*exchange, e *exchange) *exchange {
	k := e.key()
	for _, n := range later {
		if n.key() == k && !n.start.Before(e.end) {
			return n
		}
	}
	return nil
}

func nextBatchWith(later []*exchange, after time.Time, url string) *exchange {
	for _, n := range later {
		if n.kind == "batch" && !n.start.Before(after) && batchURLs(n.body)[url] {
			return n
		}
	}
	return nil
}

// required is the wait a failed answer asked for: its Retry-After in
// seconds, or until its HTTP date; ok is false without one.
func (r *retry) required() (time.Duration, bool) {
	v := strings.TrimSpace(r.retryAfter)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs >= math.MaxInt64/float64(time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(r.failedEnd), true
	}
	return 0, false
}

// honoured checks that the next try came no earlier than the answer asked.
// The bound is one-sided: a busy machine only makes waits longer.
func (r *retry) honoured() error {
	want, ok := r.required()
	if !ok {
		return nil
	}
	if r.gap() < want {
		return errors.New("retried " + r.gap().Round(time.Millisecond).String() + " after a " + r.kind + " answer " +
			strconv.Itoa(r.status) + " that asked for Retry-After " + strconv.Quote(r.retryAfter))
	}
	return nil
}
