package emutest

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
	"io"
	"log"
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

// LoopbackCertificate makes a self-signed server certificate for
// 127.0.0.1, ::1 and localhost, the names a Front listens under; it returns
// the certificate and its PEM, which the client's roots must hold.
func LoopbackCertificate(commonName string) (tls.Certificate, []byte, error) {
	return SelfSignedCertificate(commonName, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, []string{"localhost"})
}

// SelfSignedCertificate makes a server certificate for the addresses and
// names that is its own root (Go accepts it when the root pool holds it);
// it returns the certificate and its PEM.
func SelfSignedCertificate(commonName string, ips []net.IP, names []string) (tls.Certificate, []byte, error) {
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

// Front serves an emulator over TLS (HTTP/2 and HTTP/1.1, like the
// emulator's own listener) and records every exchange as the emulator
// answered it: when the request arrived, when the answer ended, its status
// and Retry-After, how the connection broke, and for a $batch its inner
// requests and answers. The emulator's Counters say how many requests of
// each kind it served; a Front's Log says which, in what order and how far
// apart, which is what a test of a client's retries reads.
type Front struct {
	emu *graphemu.Server
	url string

	mu        sync.Mutex
	exchanges []*Exchange
	arrived   chan graphemu.Endpoint
}

// Exchange is one HTTP request and the emulator's answer to it.
type Exchange struct {
	Kind       graphemu.Endpoint // as the emulator's counters name it
	Method     string
	URI        string
	Body       []byte // the request body, kept for $batch only
	Auth       string // a short hash of the bearer token: tokens told apart, never kept
	Start, End time.Time
	Status     int    // 0 when the connection broke before an answer
	Broken     string // "", "reset" or "truncated"
	RetryAfter string
	Code       string // Graph's (or Entra's) error code, for error answers
	Inner      []InnerExchange
}

// InnerExchange is one request of a $batch and its answer.
type InnerExchange struct {
	URL        string
	Status     int
	RetryAfter string
	Code       string
}

// StartFront builds an emulator from cfg and serves it behind a new Front
// on 127.0.0.1 with cert (see LoopbackCertificate) until the test ends.
func StartFront(tb testing.TB, cfg graphemu.Config, cert tls.Certificate) *Front {
	tb.Helper()
	emu, err := graphemu.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f := &Front{emu: emu, arrived: make(chan graphemu.Endpoint, 4096)}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0") // binding is immediate; nothing to cancel
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          DiscardLog(),
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }() // ends with ErrServerClosed when the test closes it
	tb.Cleanup(func() { _ = srv.Close() })
	f.url = "https://" + ln.Addr().String()
	return f
}

// DiscardLog is the error log of the HTTP servers tests put in front of an
// emulator: the resets the emulator provokes on purpose would fill the
// test output.
func DiscardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// Emulator is the emulator behind the front, to inject faults and read
// counters.
func (f *Front) Emulator() *graphemu.Server { return f.emu }

// URL is the base URL of Graph and of the token endpoint behind the front.
func (f *Front) URL() string { return f.url }

// AuthorityHost is the authority host azidentity takes: the URL with a slash.
func (f *Front) AuthorityHost() string { return f.url + "/" }

// Arrived names each request as it arrives (while there is room: it never
// holds a request back), for tests that act in the middle of a read.
func (f *Front) Arrived() <-chan graphemu.Endpoint { return f.arrived }

// Reset forgets what was recorded and the emulator's counters (after a
// baseline read).
func (f *Front) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchanges = nil
	f.emu.ResetCounters()
}

// Log returns copies of the exchanges recorded so far, in order of
// arrival, as they stand: one still in flight (a request the client gave up
// on may still be answered after its read ended) has no End yet, and the
// copy does not change when it settles.
func (f *Front) Log() []*Exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Exchange, len(f.exchanges))
	for i, e := range f.exchanges {
		c := *e
		out[i] = &c
	}
	return out
}

// Settled reports whether the exchange had ended when it was logged.
func (e *Exchange) Settled() bool { return !e.End.IsZero() }

func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := &Exchange{Kind: f.emu.EndpointOf(r), Method: r.Method, URI: r.URL.RequestURI(), Auth: tokenHash(r.Header.Get("Authorization")), Start: time.Now()}
	if e.Kind == graphemu.EndpointBatch {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client went away while sending
		}
		e.Body = body
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	f.exchanges = append(f.exchanges, e)
	f.mu.Unlock()
	select {
	case f.arrived <- e.Kind:
	default:
	}
	rw := &recordingWriter{ResponseWriter: w, keep: e.Kind == graphemu.EndpointBatch}
	defer func() {
		f.settle(e, rw)
		if p := recover(); p != nil {
			panic(p) // the emulator's way to reset an HTTP/2 stream: pass it on
		}
	}()
	f.emu.Handler().ServeHTTP(rw, r)
}

// settle records how an exchange ended.
func (f *Front) settle(e *Exchange, rw *recordingWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.End = time.Now()
	e.Status = rw.status
	switch {
	case rw.status == 0 || rw.hijacked && rw.written == 0:
		e.Status, e.Broken = 0, "reset"
	case rw.declared >= 0 && rw.written < rw.declared:
		e.Broken = "truncated"
	}
	if rw.header != nil {
		e.RetryAfter = rw.header.Get("Retry-After")
	}
	if e.Broken != "" {
		return
	}
	if e.Status >= 400 {
		e.Code = errorCodeOf(rw.body.Bytes())
	}
	if e.Kind == graphemu.EndpointBatch && e.Status == http.StatusOK {
		e.Inner = innerExchanges(e.Body, rw.body.Bytes())
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
func innerExchanges(request, response []byte) []InnerExchange {
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
	out := make([]InnerExchange, 0, len(resp.Responses))
	for _, r := range resp.Responses {
		ie := InnerExchange{URL: urls[r.ID], Status: r.Status}
		for k, v := range r.Headers {
			if strings.EqualFold(k, "Retry-After") {
				ie.RetryAfter = v
			}
		}
		if r.Status >= 400 {
			ie.Code = errorCodeOf(r.Body)
		}
		out = append(out, ie)
	}
	return out
}
