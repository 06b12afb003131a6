package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// realisticUser is a user as a typical tenant holds it, every default column
// filled: rows of about 400 bytes.
func realisticUser(i int, r *rand.Rand) directory.User {
	given := []string{"Anna", "Ben", "Chloé", "Dmitri", "Eve", "Fatima", "Gao", "Hugo", "Ines", "José"}[r.IntN(10)]
	surname := []string{"Smith", "Müller", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Santos"}[r.IntN(8)]
	upn := fmt.Sprintf("%s.%s%d@contoso.onmicrosoft.com", given, surname, i)
	return directory.User{
		ID:                          fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), i),
		UserPrincipalName:           upn,
		DisplayName:                 given + " " + surname,
		Surname:                     surname,
		GivenName:                   given,
		Mail:                        strings.ToLower(given + "." + surname + "@contoso.com"),
		UserType:                    "Member",
		JobTitle:                    "Senior Software Engineer",
		Department:                  "Research & Development",
		AccountEnabled:              ptr(r.IntN(10) > 0),
		UsageLocation:               "US",
		StreetAddress:               fmt.Sprintf("%d Main Street", r.IntN(10000)),
		State:                       "Washington",
		Country:                     "United States",
		OfficeLocation:              fmt.Sprintf("Building %d/%d", r.IntN(100), r.IntN(5000)),
		City:                        "Redmond",
		PostalCode:                  "98052",
		BusinessPhones:              []string{fmt.Sprintf("+1 425 555 %04d", r.IntN(10000))},
		MobilePhone:                 fmt.Sprintf("+1 425 555 %04d", r.IntN(10000)),
		OtherMails:                  []string{strings.ToLower(given + "." + surname + "@example.org")},
		LegalAgeGroupClassification: "Adult",
		Auth: &directory.AuthMethods{
			MobilePhone:          fmt.Sprintf("+1 425 555 %04d", r.IntN(10000)),
			AlternateMobilePhone: fmt.Sprintf("+1 206 555 %04d", r.IntN(10000)),
			Email:                strings.ToLower(given + "@example.net"),
		},
	}
}

// realisticUsers are in no particular order of userPrincipalName (the names
// are drawn at random), and each user's strings lie together in memory, as
// they do in a page just decoded.
func realisticUsers(n int) []directory.User {
	r := rand.New(rand.NewPCG(uint64(n), 1)) //nolint:gosec // test data
	users := make([]directory.User, n)
	for i := range users {
		users[i] = realisticUser(i, r)
	}
	return users
}

// sliceSource delivers pre-decoded users in 999-user batches from two
// goroutines, as the Graph client does from its list chains.
type sliceSource struct{ users []directory.User }

func (s sliceSource) Users(ctx context.Context, _ directory.Query, sink directory.Sink) error {
	const batch, workers = 999, 2
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * batch; i < len(s.users); i += workers * batch {
				if err := sink.Users(ctx, s.users[i:min(i+batch, len(s.users))]); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

const benchUsers = 100_000

func benchColumns(n int) []string {
	cols := DefaultColumns()
	if n == 23 {
		auth := AuthColumns(cols)
		cols = slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(auth, c) })
	}
	return cols
}

// perUser reports the loop's cost per user: time, allocations and bytes.
func perUser(b *testing.B, users int, loop func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore := processCPU(b)
	loop()
	cpu := processCPU(b) - cpuBefore
	runtime.ReadMemStats(&after)
	total := float64(b.N * users)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/user")
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/user")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/user")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/user")
}

// BenchmarkRun is the export core's cost per user: encoding, sorting (with
// spills at the default SortMemory), writing, hashing and syncing.
func BenchmarkRun(b *testing.B) {
	users := realisticUsers(benchUsers)
	for _, ncols := range []int{26, 23} {
		b.Run(fmt.Sprintf("cols=%d", ncols), func(b *testing.B) {
			opts := Options{OutputPath: filepath.Join(b.TempDir(), "users.csv"), Columns: benchColumns(ncols), EscapeFormulas: true}
			perUser(b, benchUsers, func() {
				for b.Loop() {
					if _, err := Run(b.Context(), sliceSource{users}, directory.Query{}, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkBaselineEncodingCSV writes the same cells the plain way: a
// []string per user, sort.Slice in memory, encoding/csv. It is the CSV share
// of the raw lower bound the provider is measured against.
func BenchmarkBaselineEncodingCSV(b *testing.B) {
	users := realisticUsers(benchUsers)
	for _, ncols := range []int{26, 23} {
		b.Run(fmt.Sprintf("cols=%d", ncols), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "users.csv")
			perUser(b, benchUsers, func() {
				for b.Loop() {
					if err := baselineExport(path, users, ncols); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func baselineExport(path string, users []directory.User, ncols int) error {
	auth := ncols == 26
	type row struct {
		key, id string
		cells   []string
	}
	rows := make([]row, len(users))
	for i := range users {
		u := &users[i]
		rows[i] = row{key: strings.ToLower(u.UserPrincipalName), id: u.ID, cells: baselineCells(u, auth)}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].key != rows[j].key {
			return rows[i].key < rows[j].key
		}
		return rows[i].id < rows[j].id
	})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(bw)
	if err := w.Write(benchColumns(ncols)); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Write(r.cells); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func baselineCells(u *directory.User, auth bool) []string {
	phone := ""
	if len(u.BusinessPhones) > 0 {
		phone = u.BusinessPhones[0]
	}
	enabled := ""
	if u.AccountEnabled != nil {
		enabled = "False"
		if *u.AccountEnabled {
			enabled = "True"
		}
	}
	cells := []string{
		u.UserPrincipalName, u.DisplayName, u.Surname, u.Mail, u.GivenName, u.ID, u.UserType,
		u.JobTitle, u.Department, enabled, u.UsageLocation, u.StreetAddress, u.State, u.Country,
		u.OfficeLocation, u.City, u.PostalCode, phone, u.MobilePhone,
	}
	if auth {
		var a directory.AuthMethods
		if u.Auth != nil {
			a = *u.Auth
		}
		cells = append(cells, a.MobilePhone, a.AlternateMobilePhone, a.Email)
	}
	return append(cells, strings.Join(u.OtherMails, ";"), u.AgeGroup, u.ConsentProvidedForMinor, u.LegalAgeGroupClassification)
}

// The baseline writes the same bytes as Run (without formula escaping, which
// encoding/csv does not do): otherwise the comparison would be meaningless.
func TestBaselineWritesWhatRunWrites(t *testing.T) {
	t.Parallel()
	users := realisticUsers(3000)
	dir := t.TempDir()
	for _, ncols := range []int{26, 23} {
		base, run := filepath.Join(dir, fmt.Sprint("base", ncols)), filepath.Join(dir, fmt.Sprint("run", ncols))
		if err := baselineExport(base, users, ncols); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(t.Context(), sliceSource{users}, directory.Query{}, Options{OutputPath: run, Columns: benchColumns(ncols)}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(readFile(t, base), readFile(t, run)) {
			t.Errorf("%d columns: the baseline and Run write different files", ncols)
		}
	}
}
