package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "graphemu:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	users             int
	seed              int64
	domain            string
	sharedPrefixShare float64
	sharedPrefix      string
	listen            string
	useTLS            bool
	caFile            string
	profile           string
	timeScale         float64
	budget            int
	retryAfter        string
	tokenLifetime     time.Duration
	maskPhones        bool
	managedIdentity   bool
	countersEndpoint  bool
	envFile           string
	churn             tenant.ChurnOptions
	consistencyLag    time.Duration
	order             tenant.Order
	premiumLicense    bool
	extensionShare    float64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("graphemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.users, "users", 10000, "number of users in the generated tenant")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated tenant (and of shuffles and fault rates)")
	fs.StringVar(&o.domain, "domain", "contoso.onmicrosoft.com", "the tenant's domain")
	fs.Float64Var(&o.sharedPrefixShare, "shared-prefix-share", 0, "share of users (0..1) whose userPrincipalName begins with one common prefix")
	fs.StringVar(&o.sharedPrefix, "shared-prefix", "", "that common prefix (empty: the generator's)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	fs.BoolVar(&o.useTLS, "tls", true, "serve over TLS with a generated CA (azidentity requires https for the token endpoint)")
	fs.StringVar(&o.caFile, "ca-file", "", "where to write the CA certificate (PEM); default: a temporary file removed at exit")
	fs.StringVar(&o.profile, "profile", "zero", "service model: zero (no latency, no throttling) or realistic")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "multiplies latencies and the throttle window (0.1 = ten times faster than Graph)")
	fs.IntVar(&o.budget, "budget", 0, "resource units per throttle window (0: the profile's, or Graph's tier by tenant size)")
	fs.StringVar(&o.retryAfter, "retry-after", "", "Retry-After style of 429s: seconds, fractional, http-date, mixed, none (default: the profile's)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", graphemu.DefaultTokenLifetime, "lifetime of issued access tokens")
	fs.BoolVar(&o.maskPhones, "mask-phones", false, "answer phone numbers masked, as an Authentication Administrator sees them")
	fs.BoolVar(&o.managedIdentity, "managed-identity", false, "serve the App Service managed-identity endpoint for the default app (adds IDENTITY_* to the env file)")
	fs.BoolVar(&o.countersEndpoint, "counters-endpoint", false, "serve the emulator's counters at "+graphemu.CountersPath+" (GET reads, POST reads and resets; adds AAD_EMULATOR_COUNTERS_URL to the env file), "+
		"the directory and its churn at "+graphemu.SnapshotPath+" and "+graphemu.EventsPath+"?after=N, "+
		"and POST "+graphemu.ChurnPath+"?events=N&seed=S, which makes N changes at once")
	fs.StringVar(&o.envFile, "env-file", "", "write shell-sourceable KEY=VALUE lines here once ready (mode 0600: it holds the client secret)")
	fs.DurationVar(&o.churn.Interval, "churn-interval", 0, "change the directory in rounds, one every interval (0: never), with the --churn-* counts per round")
	fs.IntVar(&o.churn.Creates, "churn-creates", 0, "users created per churn round")
	fs.IntVar(&o.churn.Deletes, "churn-deletes", 0, "users deleted per churn round (about two in three soft, the others hard)")
	fs.IntVar(&o.churn.Renames, "churn-renames", 0, "users renamed (a new userPrincipalName) per churn round")
	fs.IntVar(&o.churn.Updates, "churn-updates", 0, "users with other properties changed per churn round")
	fs.IntVar(&o.churn.Restores, "churn-restores", 0, "soft-deleted users restored per churn round")
	fs.Int64Var(&o.churn.Seed, "churn-seed", 0, "seed of the churn (default: --seed)")
	fs.DurationVar(&o.consistencyLag, "consistency-lag", 0, "requests with ConsistencyLevel: eventual see the directory as it was this long ago (at most 30s)")
	order := fs.String("order", "upn", "order of GET /users pages without $orderby: upn (lower-cased userPrincipalName) or id (object id)")
	fs.BoolVar(&o.premiumLicense, "premium-license", true, "the tenant holds a Microsoft Entra ID P1/P2 licence; false makes the registration report answer 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant")
	fs.Float64Var(&o.extensionShare, "extension-share", 0, "share (0..1] of generated users with values for the standard directory extensions (0: the generator's 0.6; negative: none)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if !flagSet(fs, "churn-seed") {
		o.churn.Seed = o.seed
	}
	var ok bool
	o.order, ok = tenant.ParseOrder(*order)
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.users < 0:
		return o, errors.New("--users must not be negative")
	case o.profile != "zero" && o.profile != "realistic":
		return o, fmt.Errorf("--profile %q: want zero or realistic", o.profile)
	case o.timeScale <= 0:
		return o, errors.New("--time-scale must be positive")
	case !ok:
		return o, fmt.Errorf("--order %q: want upn or id", *order)
	case o.consistencyLag < 0 || o.consistencyLag > tenant.MaxConsistencyLag:
		return o, fmt.Errorf("--consistency-lag %v: want 0 to %v", o.consistencyLag, tenant.MaxConsistencyLag)
	case o.extensionShare > 1:
		return o, fmt.Errorf("--extension-share %v: want at most 1", o.extensionShare)
	}
	return o, o.checkChurn()
}

// profile builds the service model the options ask for.
func (o options) serviceProfile() (graphemu.Profile, error) {
	p := graphemu.ZeroProfile()
	if o.profile == "realistic" {
		p = graphemu.RealisticProfile(o.timeScale)
	}
	p.TimeScale = o.timeScale
	if o.budget > 0 {
		p.TenantBudget = o.budget
	}
	if o.retryAfter != "" {
		style, ok := graphemu.ParseRetryAfterStyle(o.retryAfter)
		if !ok {
			return p, fmt.Errorf("--retry-after %q: want seconds, fractional, http-date, mixed or none", o.retryAfter)
		}
		p.RetryAfter = style
	}
	return p, nil
}

// run generates the tenant, serves until ctx is done, and cleans up.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	profile, err := o.serviceProfile()
	if err != nil {
		return err
	}
	ten, generated, err := o.newTenant()
	if err != nil {
		return err
	}
	cfg := graphemu.Config{
		Tenant: ten, Profile: profile, TokenLifetime: o.tokenLifetime, MaskPhones: o.maskPhones, Seed: o.seed,
		Log: slog.New(slog.NewTextHandler(stderr, nil)), CountersEndpoint: o.countersEndpoint,
	}
	if o.managedIdentity {
		cfg.ManagedIdentity = graphemu.DefaultClientID
	}
	srv, err := graphemu.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(o.listen, o.useTLS); err != nil {
		return err
	}
	defer srv.Close()

	var cleanup []string
	defer func() {
		for _, p := range cleanup {
			_ = os.Remove(p) // best effort at exit; a leftover file in a temp dir is harmless
		}
	}()
	caFile, created, err := writeCA(srv.CA(), o.caFile, o.useTLS)
	if err != nil {
		return err
	}
	if created {
		cleanup = append(cleanup, caFile)
	}
	var info strings.Builder
	fmt.Fprintf(&info, "graphemu: %d users generated in %v (seed %d, profile %s)\n", ten.Len(), generated.Round(time.Millisecond), o.seed, profile.Name)
	describeDirectory(&info, o)
	describe(&info, srv, caFile)
	if _, err := io.WriteString(stdout, info.String()); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	if o.envFile != "" {
		if err := writeEnvFile(o.envFile, envLines(srv, caFile)); err != nil {
			return err
		}
		cleanup = append(cleanup, o.envFile)
	}
	if _, err := io.WriteString(stdout, "Serving until interrupted (SIGINT or SIGTERM).\n"); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	churn := o.startChurn(ctx, ten)
	srv.ServeChurn(churn)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return reportChurn(stdout, churn)
}

// writeCA writes the CA certificate where asked, or to a new temporary file;
// created says the program made the file up and should remove it.
func writeCA(ca *graphemu.CA, path string, useTLS bool) (file string, created bool, err error) {
	if !useTLS && path == "" {
		return "", false, nil
	}
	if path == "" {
		f, err := os.CreateTemp("", "graphemu-ca-*.pem")
		if err != nil {
			return "", false, fmt.Errorf("CA file: %w", err)
		}
		path, created = f.Name(), true
		if err := f.Close(); err != nil {
			return "", false, fmt.Errorf("CA file: %w", err)
		}
	}
	if err := ca.WriteFile(path); err != nil {
		return "", false, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, fmt.Errorf("CA file: %w", err)
	}
	return abs, created, nil
}

// describe writes what a person needs to point a client at the emulator.
func describe(w *strings.Builder, srv *graphemu.Server, caFile string) {
	app := srv.App()
	fmt.Fprintf(w, "Graph URL:       %s\n", srv.GraphURL())
	fmt.Fprintf(w, "Token URL:       %s\n", srv.TokenURL())
	fmt.Fprintf(w, "Authority host:  %s\n", srv.AuthorityHost())
	fmt.Fprintf(w, "Tenant ID:       %s\n", srv.TenantID())
	fmt.Fprintf(w, "Client ID:       %s\n", app.ClientID)
	fmt.Fprintf(w, "Client secret:   %s\n", app.ClientSecret)
	if caFile != "" {
		fmt.Fprintf(w, "CA file:         %s\n", caFile)
	}
	if endpoint, header, ok := srv.ManagedIdentity(); ok {
		fmt.Fprintf(w, "Managed identity: IDENTITY_ENDPOINT=%s IDENTITY_HEADER=%s\n", endpoint, header)
	}
	if url, ok := srv.CountersURL(); ok {
		fmt.Fprintf(w, "Counters:        %s\n", url)
	}
}

// envLines are what a shell (or the benchmark) needs to reach the emulator:
// the provider's endpoint overrides, the azuread-style credentials, and the
// CA for Go's TLS stack.
func envLines(srv *graphemu.Server, caFile string) [][2]string {
	app := srv.App()
	lines := [][2]string{
		{"AAD_EMULATOR_URL", srv.URL()},
		{"AAD_EMULATOR_GRAPH_URL", srv.GraphURL()},
		{"AAD_EMULATOR_TOKEN_URL", srv.TokenURL()},
		{"AAD_GRAPH_ENDPOINT", srv.URL()},
		{"AAD_AUTHORITY_HOST", srv.AuthorityHost()},
		{"ARM_TENANT_ID", srv.TenantID()},
		{"ARM_CLIENT_ID", app.ClientID},
		{"ARM_CLIENT_SECRET", app.ClientSecret},
	}
	if caFile != "" {
		lines = append(lines, [2]string{"SSL_CERT_FILE", caFile})
	}
	if endpoint, header, ok := srv.ManagedIdentity(); ok {
		lines = append(lines, [2]string{"IDENTITY_ENDPOINT", endpoint}, [2]string{"IDENTITY_HEADER", header})
	}
	if url, ok := srv.CountersURL(); ok {
		lines = append(lines, [2]string{"AAD_EMULATOR_COUNTERS_URL", url})
	}
	return lines
}

// writeEnvFile writes KEY='VALUE' lines atomically (temporary file, sync,
// rename), so a reader polling for the file never sources half of it. Mode
// 0600: it holds the client secret.
func writeEnvFile(path string, lines [][2]string) (err error) {
	var b strings.Builder
	for _, kv := range lines {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], shellQuote(kv[1]))
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.WriteString(b.String()); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	return nil
}

// shellQuote quotes a value for POSIX shells: inside single quotes nothing
// is special, and a single quote in the value closes the quotes, appears
// escaped with a backslash, and reopens them.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
