package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

// childEnv carries a child's job (JSON): a process started with it set runs
// that one export and prints its result, so that its CPU time and peak RSS,
// read by the parent from wait4, are the export's alone.
const childEnv = "AAD_BENCH_CHILD"

// debugEnv, set to anything, makes a child log the Graph client's DEBUG
// lines (partitions, retries) to its log file, for finding out why a
// figure is what it is.
const debugEnv = "AAD_BENCH_DEBUG"

// Kinds of export a child runs.
const (
	kindProvider = "provider" // graph.Client.Users + export.Run, as the data source does
	kindChain    = "chain"    // graph.Client.UsersSingleChain + export.Run
	kindRaw      = "raw"      // net/http + encoding/json + encoding/csv, no SDK
)

// job is what a child does.
type job struct {
	Kind        string   `json:"kind"`
	PageSize    int      `json:"pageSize,omitempty"`    // kindChain
	Concurrency int      `json:"concurrency,omitempty"` // kindProvider; 0 = the client's default
	Columns     []string `json:"columns"`
	Output      string   `json:"output"`
	// Incremental is export.Options.Incremental, with the manifest next to
	// Output; Changes and Report write the changes report and the
	// compliance report next to it (changesPath, reportPath).
	Incremental bool `json:"incremental,omitempty"`
	Changes     bool `json:"changes,omitempty"`
	Report      bool `json:"report,omitempty"`
	// Previous, the parent's alone, is the CSV of a snapshot (with its
	// manifest) that the parent copies to Output before the child starts:
	// an incremental export builds on it, and the copy is not its cost.
	Previous string `json:"-"`
}

// manifestPath is where an incremental export keeps the manifest of its
// CSV (export.Options' default).
func manifestPath(csv string) string { return csv + ".manifest.json" }

// changesPath and reportPath are where a job's changes report and
// compliance report go.
func changesPath(csv string) string { return strings.TrimSuffix(csv, ".csv") + "-changes.csv" }

func reportPath(csv string) string { return strings.TrimSuffix(csv, ".csv") + "-report.html" }

// optional is path when on, "" otherwise.
func optional(on bool, path string) string {
	if on {
		return path
	}
	return ""
}

// outcome is what a child reports on its standard output.
type outcome struct {
	Users     int     `json:"users"`
	Errors    int     `json:"errors"`
	SHA256    string  `json:"sha256,omitempty"`
	Seconds   float64 `json:"seconds"` // the export, from building the client to the file in place
	Requests  int64   `json:"requests"`
	Throttled int64   `json:"throttled"`
	PeakRSS   int64   `json:"peakRSS"` // VmHWM in bytes, read just before exiting; 0 unknown
	// Mode is export.Result's ("full" or "incremental"; "" for the raw
	// export), FullBecause why an incremental job listed everything.
	Mode        string `json:"mode,omitempty"`
	FullBecause string `json:"fullBecause,omitempty"`
	// The changes report's counts.
	Added   int `json:"added,omitempty"`
	Removed int `json:"removed,omitempty"`
	Changed int `json:"changed,omitempty"`
}

// runChild runs the job in os.Getenv(childEnv) and prints its outcome.
func runChild(ctx context.Context, spec string, stdout, stderr io.Writer) error {
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		return fmt.Errorf("child job: %w", err)
	}
	level := slog.LevelInfo
	if os.Getenv(debugEnv) != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	stopProfiles, err := startProfiles(ctx, os.Getenv(profileEnv))
	if err != nil {
		return err
	}
	start := time.Now()
	var out outcome
	switch j.Kind {
	case kindProvider, kindChain:
		out, err = sdkExport(ctx, j, log)
	case kindRaw:
		out, err = rawExport(ctx, j)
	default:
		err = fmt.Errorf("unknown job kind %q", j.Kind)
	}
	out.Seconds = time.Since(start).Seconds()
	if perr := stopProfiles(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	out.PeakRSS, _ = peakRSS("self") // 0 when unknown: the parent falls back to wait4's figure
	return json.NewEncoder(stdout).Encode(out)
}

// chainSource makes the single-chain baseline an export.Source.
type chainSource struct {
	c        *graph.Client
	pageSize int
}

func (s chainSource) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	return s.c.UsersSingleChain(ctx, q, s.pageSize, sink)
}

// sdkExport is the provider's export path (or the single-chain baseline
// through the same client and the same export core): credentials and
// endpoints from the environment, as the provider reads them.
func sdkExport(ctx context.Context, j job, log *slog.Logger) (outcome, error) {
	c, err := graph.New(ctx, graph.Config{
		GraphEndpoint: os.Getenv("AAD_GRAPH_ENDPOINT"),
		AuthorityHost: os.Getenv("AAD_AUTHORITY_HOST"),
		Credentials: graph.Credentials{
			TenantID:     os.Getenv("ARM_TENANT_ID"),
			ClientID:     os.Getenv("ARM_CLIENT_ID"),
			ClientSecret: os.Getenv("ARM_CLIENT_SECRET"),
		},
		Concurrency: j.Concurrency,
		Logger:      log,
	})
	if err != nil {
		return outcome{}, err
	}
	var src export.Source = c
	if j.Kind == kindChain {
		src = chainSource{c: c, pageSize: j.PageSize}
	}
	res, err := export.Run(ctx, src, directory.Query{}, export.Options{
		OutputPath:     j.Output,
		Columns:        j.Columns,
		EscapeFormulas: true,
		LineEnding:     export.LF,
		Incremental:    j.Incremental,
		ChangesPath:    optional(j.Changes, changesPath(j.Output)),
		ReportPath:     optional(j.Report, reportPath(j.Output)),
	})
	if err != nil {
		return outcome{}, err
	}
	st := c.Stats()
	return outcome{
		Users: res.Users, Errors: res.Errors, SHA256: res.SHA256, Requests: st.Requests, Throttled: st.Throttled,
		Mode: string(res.Mode), FullBecause: res.FullBecause, Added: res.Added, Removed: res.Removed, Changed: res.Changed,
	}, nil
}

// trustingClient is an HTTP client that trusts the CA in caFile only.
func trustingClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile) //nolint:gosec // the emulator's CA, named by its env file
	if err != nil {
		return nil, fmt.Errorf("reading the CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no certificate in " + caFile)
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}}, nil
}
