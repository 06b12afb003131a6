package livetest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// listColumns are the portal's columns that the list itself returns: all
// but the three authentication-method columns, which cost a call per user.
func listColumns() []string {
	cols := export.DefaultColumns()
	auth := export.AuthColumns(cols)
	return slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(auth, c) })
}

// newClient is a Graph client for srv reached at url through hc (the
// emulator's own listener, or a proxy in front of it).
func newClient(t *testing.T, srv *graphemu.Server, url string, hc *http.Client) *graph.Client {
	t.Helper()
	app := srv.App()
	c, err := graph.New(t.Context(), graph.Config{
		GraphEndpoint: url,
		AuthorityHost: url,
		HTTPClient:    hc,
		Credentials:   graph.Credentials{TenantID: srv.TenantID(), ClientID: app.ClientID, ClientSecret: app.ClientSecret},
		Logger:        testLogger(t),
	})
	if err != nil {
		t.Fatalf("graph.New: %v", err)
	}
	return c
}

// testLogger sends the client's log to the test's output with
// LIVETEST_LOG set; nil discards it.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	if os.Getenv("LIVETEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// exportTo runs the export of every user with the list columns into a CSV
// in the test's folder, as the data source does, and returns the CSV's
// path. Formula escaping is off: the check reads the names back as Graph
// gave them (a name may begin with '-').
func exportTo(ctx context.Context, t *testing.T, c *graph.Client) (string, export.Result, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.csv")
	res, err := export.Run(ctx, c, directory.Query{}, export.Options{OutputPath: path, Columns: listColumns()})
	return path, res, err
}

// readExported reads the objectId and userPrincipalName of every row.
func readExported(path string) ([]emutest.Exported, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	id, upn := slices.Index(head, "objectId"), slices.Index(head, "userPrincipalName")
	if id < 0 || upn < 0 {
		return nil, fmt.Errorf("%s: header %q lacks objectId or userPrincipalName", path, head)
	}
	var rows []emutest.Exported
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rows = append(rows, emutest.Exported{ID: rec[id], UPN: rec[upn]})
	}
}

// eventsAfter are the events made after a snapshot.
func eventsAfter(events []tenant.Event, seq uint64) []tenant.Event {
	return slices.DeleteFunc(slices.Clone(events), func(e tenant.Event) bool { return e.Seq <= seq })
}

// kinds counts events by kind.
func kinds(events []tenant.Event) map[tenant.EventKind]int {
	n := map[tenant.EventKind]int{}
	for _, e := range events {
		n[e.Kind]++
	}
	return n
}

// report is at most the first lines of a list of violations, for a
// failure message.
func report(violations []string) string {
	const most = 25
	if len(violations) <= most {
		return strings.Join(violations, "\n")
	}
	return strings.Join(violations[:most], "\n") + fmt.Sprintf("\n... and %d more", len(violations)-most)
}
