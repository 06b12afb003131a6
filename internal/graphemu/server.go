package graphemu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Server is one emulated tenant behind Microsoft Graph and the Entra token
// endpoint. Create it with New (or Start), serve it with Start or Handler.
// All methods are safe for concurrent use.
type Server struct {
	cfg      Config
	ca       *CA
	tokens   *tokenIssuer
	throttle *throttler
	faults   *faultSet
	counters *counterSet
	readers  readerRoles
	miHeader string // the IDENTITY_HEADER secret of the managed-identity endpoint
	live     liveState

	// newID makes request ids; tests replace it to get byte-stable answers.
	newID func() string

	rngMu sync.Mutex
	rng   *rand.Rand // batch shuffles and mixed Retry-After styles

	mu      sync.Mutex
	httpSrv *http.Server
	url     string
}

// New builds an emulator from cfg without listening anywhere.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ca := cfg.CA
	if ca == nil {
		if ca, err = NewCA(); err != nil {
			return nil, fmt.Errorf("graphemu: %w", err)
		}
	}
	return &Server{
		cfg:      cfg,
		ca:       ca,
		tokens:   newTokenIssuer(cfg.TenantID, cfg.TokenLifetime, cfg.Clock),
		throttle: newThrottler(cfg.Profile, cfg.Tenant.Len(), cfg.TenantID),
		faults:   newFaultSet(cfg.Seed),
		counters: newCounterSet(),
		readers:  newReaderRoles(),
		miHeader: randomGUID(),
		newID:    randomGUID,
		rng:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x677261706865)), //nolint:gosec // seeded on purpose: runs must be reproducible
	}, nil
}

// Start builds an emulator and serves it over TLS on a free port of
// 127.0.0.1: the one call a test needs (then t.Cleanup(srv.Close)).
func Start(cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Start("127.0.0.1:0", true); err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens on addr ("host:port"; port 0 picks a free one) and serves in
// the background, over TLS (HTTP/2 and HTTP/1.1, certificate from the CA) or
// plain HTTP/1.1.
func (s *Server) Start(addr string, useTLS bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		return errors.New("graphemu: server already started")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("graphemu: listen address %q: %w", addr, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr) // binding is immediate; nothing to cancel
	if err != nil {
		return fmt.Errorf("graphemu: %w", err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if useTLS {
		leaf, err := s.ca.leaf(certHosts(host))
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("graphemu: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	s.httpSrv, s.url = srv, scheme+"://"+urlHost(host, ln.Addr().String())
	go func() {
		var err error
		if useTLS {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Log.Error("graphemu stopped serving", "error", err)
		}
	}()
	return nil
}

// certHosts are the names the TLS certificate covers: the loopback names,
// and the listen host when it is a specific other one.
func certHosts(listenHost string) []string {
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if ip := net.ParseIP(listenHost); listenHost != "" && (ip == nil || !ip.IsUnspecified()) && !slices.Contains(hosts, listenHost) {
		hosts = append(hosts, listenHost)
	}
	return hosts
}

// urlHost is the host:port clients should use for a listener bound to
// listenHost: loopback when it listens on every address.
func urlHost(listenHost, boundAddr string) string {
	_, port, _ := net.SplitHostPort(boundAddr) // a TCP listener's address always splits
	if ip := net.ParseIP(listenHost); listenHost == "" || ip != nil && ip.IsUnspecified() {
		listenHost = "127.0.0.1"
	}
	return net.JoinHostPort(listenHost, port)
}

// Close stops serving at once, dropping requests in progress. It suits
// t.Cleanup; use Shutdown for a graceful stop.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		_ = s.httpSrv.Close() // the only errors are from closing listeners already gone
	}
}

// Shutdown stops accepting requests and waits for those in progress, until
// ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.httpSrv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("graphemu: shutdown: %w", err)
	}
	return nil
}

// URL is the base URL once started, e.g. https://127.0.0.1:41234.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// GraphURL is the Graph base, URL()+"/v1.0".
func (s *Server) GraphURL() string { return s.URL() + "/v1.0" }

// TokenURL is the tenant's token endpoint.
func (s *Server) TokenURL() string {
	return s.URL() + "/" + s.cfg.TenantID + "/oauth2/v2.0/token"
}

// AuthorityHost is what azidentity takes as cloud.Configuration's
// ActiveDirectoryAuthorityHost: URL() with a trailing slash.
func (s *Server) AuthorityHost() string { return s.URL() + "/" }

// Scope is the scope clients pointed at this emulator ask tokens for.
func (s *Server) Scope() string { return s.URL() + "/.default" }

// TenantID is the emulated tenant's id.
func (s *Server) TenantID() string { return s.cfg.TenantID }

// Apps are the registered apps.
func (s *Server) Apps() []App { return cloneApps(s.cfg.Apps) }

// App is the first registered app: DefaultApp() unless Config.Apps says otherwise.
func (s *Server) App() App { return cloneApps(s.cfg.Apps[:1])[0] }

// CA is the certificate authority of the TLS certificate.
func (s *Server) CA() *CA { return s.ca }

// Profile is the service model in force.
func (s *Server) Profile() Profile { return s.cfg.Profile }

// Tenant is the emulated directory; tests change it between requests (add,
// update, delete users) to provoke what they need.
func (s *Server) Tenant() *tenant.Tenant { return s.cfg.Tenant }

// HTTPClient is a client that trusts the emulator's CA (HTTP/2 when over TLS).
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.ca.Pool(), MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     time.Minute,
	}}
}

// ManagedIdentity returns what an App Service managed identity finds in
// IDENTITY_ENDPOINT and IDENTITY_HEADER, once started; ok is false when
// Config.ManagedIdentity is empty.
func (s *Server) ManagedIdentity() (endpoint, header string, ok bool) {
	if s.cfg.ManagedIdentity == "" {
		return "", "", false
	}
	return s.URL() + miPath, s.miHeader, true
}

// CountersURL is where the counters are served over HTTP, once started; ok
// is false without Config.CountersEndpoint.
func (s *Server) CountersURL() (url string, ok bool) {
	if !s.cfg.CountersEndpoint {
		return "", false
	}
	return s.URL() + CountersPath, true
}

// Inject adds a fault rule; rules are tried in the order they were added.
// It panics on a fault that could never do what it says (an effect that
// means nothing on its endpoint, a user on requests that name none, ...):
// faults are a test's own setup, and one that silently does nothing would
// hide a gap in the test.
func (s *Server) Inject(f Fault) {
	if err := f.check(); err != nil {
		panic("graphemu: Inject: " + err.Error())
	}
	s.faults.add(f)
}

// RevokeTokens makes every access token issued so far fail as expired, as
// when Entra revokes sessions; clients must fetch new ones.
func (s *Server) RevokeTokens() { s.tokens.revokeAll() }

// Counters returns a snapshot of the counters.
func (s *Server) Counters() Counters { return s.counters.snapshot() }

// ResetCounters sets the counters back to zero (the peak concurrency to the
// requests now in progress).
func (s *Server) ResetCounters() { s.counters.reset() }

// TakeCounters returns the counters and sets them back to zero in one step,
// so that a measurement loses no request between reading and resetting.
func (s *Server) TakeCounters() Counters { return s.counters.reset() }

// Handler serves everything (Graph, token endpoint, discovery) for use
// behind a listener of the caller's own. Links in answers are built from
// each request's Host, so any listener works.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.CountersEndpoint && s.serveAdmin(w, r) {
		// Not a Graph request: it is neither counted nor throttled.
		return
	}
	s.counters.enter()
	defer s.counters.leave()
	if isGraphPath(r.URL.EscapedPath()) {
		s.serveGraph(w, r)
		return
	}
	s.serveIdentity(w, r)
}

// isGraphPath reports whether a path is for Graph (a version segment first:
// v1.0, beta or another vN that Graph answers "Invalid version" to) rather
// than for the identity endpoints (a tenant first).
func isGraphPath(p string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return strings.EqualFold(first, "beta") ||
		len(first) > 1 && (first[0] == 'v' || first[0] == 'V') && first[1] >= '0' && first[1] <= '9'
}

// shuffle permutes n elements with the seeded generator.
func (s *Server) shuffle(n int, swap func(i, j int)) {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	s.rng.Shuffle(n, swap)
}

// setRetryAfter adds a Retry-After header asking for a wait of d, rendered
// in style (RetryAfterMixed picks one per answer; RetryAfterNone adds none).
func (s *Server) setRetryAfter(rp *reply, style RetryAfterStyle, d time.Duration, now time.Time) {
	if ra := renderRetryAfter(s.retryAfterStyle(style), d, now); ra != "" {
		rp.header.Set("Retry-After", ra)
	}
}

// retryAfterStyle resolves RetryAfterMixed to one concrete style.
func (s *Server) retryAfterStyle(style RetryAfterStyle) RetryAfterStyle {
	if style != RetryAfterMixed {
		return style
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return RetryAfterStyle(s.rng.IntN(3))
}
