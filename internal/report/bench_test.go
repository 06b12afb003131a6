package report

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// benchRows are rows of every column the report reads, drawn like a large
// tenant's: 60 departments, a few methods each, sign-ins over two years.
func benchRows(n int) [][][]byte {
	r := rand.New(rand.NewPCG(7, 7)) //nolint:gosec // test data
	methods := []string{"microsoftAuthenticatorPush", "mobilePhone", "fido2", "windowsHelloForBusiness", "softwareOneTimePasscode", "email"}
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	rows := make([][][]byte, n)
	for i := range rows {
		m := methods[r.IntN(len(methods))] + ";" + methods[r.IntN(len(methods))]
		signIn := asOf().Add(-time.Duration(r.IntN(800*24)) * time.Hour).Format(time.RFC3339)
		row := []string{
			fmt.Sprintf("user%d@contoso.com", i), pick("Member", "Member", "Member", "Guest"), pick("True", "True", "True", "False"), pick("True", "False", ""),
			fmt.Sprintf("Department %d", r.IntN(60)), pick("", "Adult", "Minor"), pick("", "Granted"), pick("", "Adult", "MinorWithOutParentalConsent"),
			pick("True", "False"), pick("True", "False"), pick("True", "False"), m,
			pick("", "+1 206 555 0100"), pick("", "+1 425 555 0101"), pick("", "a@example.org"),
			"2020-01-01T00:00:00Z", pick(signIn, signIn, ""), signIn,
		}
		rows[i] = make([][]byte, len(row))
		for j, v := range row {
			rows[i][j] = []byte(v)
		}
	}
	return rows
}

// BenchmarkRow is the report's cost per user, to set against the export's
// (about 9 µs of CPU a user, BENCHMARKS.md): it must stay under a tenth.
func BenchmarkRow(b *testing.B) {
	rows := benchRows(4096)
	bl := NewBuilder(fixtureColumns(), asOf())
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		bl.Row(rows[i%len(rows)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
}

// TestRowAllocatesNothing: once its departments and methods have been seen,
// a row costs no allocation.
//
//nolint:paralleltest // testing.AllocsPerRun refuses to run in a parallel test
func TestRowAllocatesNothing(t *testing.T) {
	rows := benchRows(512)
	b := NewBuilder(fixtureColumns(), asOf())
	for _, r := range rows {
		b.Row(r)
	}
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		b.Row(rows[i%len(rows)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Row allocates %.2f times a row", allocs)
	}
	sia := NewBuilder([]string{"signInActivity", "department"}, asOf())
	row := [][]byte{[]byte(`{"lastSignInDateTime":"2026-01-10T08:00:00Z","lastSignInRequestId":"0f1e","lastSuccessfulSignInDateTime":null}`), []byte("Sales")}
	if allocs := testing.AllocsPerRun(1000, func() { sia.Row(row) }); allocs != 0 {
		t.Errorf("Row allocates %.2f times a row reading signInActivity", allocs)
	}
}

// TestMemoryIsBounded feeds 500,000 users who each have a department and a
// method of their own, the worst the directory can do: the Builder keeps
// its caps, and the heap it holds stays small.
//
//nolint:paralleltest // it measures the heap, which parallel tests would share
func TestMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("500,000 rows")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := NewBuilder([]string{"userType", "accountEnabled", "department", "methodsRegistered"}, asOf())
	cells := [][]byte{[]byte("Member"), []byte("True"), nil, nil}
	long := make([]byte, 300)
	for i := range 500_000 {
		cells[2] = fmt.Appendf(cells[2][:0], "%d%s", i, long[:i%300])
		cells[3] = fmt.Appendf(cells[3][:0], "method%d;fido2", i)
		b.Row(cells)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(b.departments.names) != maxDepartments || len(b.method.names) != maxMethods {
		t.Errorf("kept %d departments and %d methods, caps %d and %d", len(b.departments.names), len(b.method.names), maxDepartments, maxMethods)
	}
	if n := b.departments.overflow.total(); n != 500_000-maxDepartments {
		t.Errorf("%d users counted past the cap, want %d", n, 500_000-maxDepartments)
	}
	const limit = 16 << 20
	if after.HeapAlloc > before.HeapAlloc+limit {
		t.Errorf("the Builder holds %d MB after 500,000 users, more than %d MB", (after.HeapAlloc-before.HeapAlloc)>>20, limit>>20)
	}
	runtime.KeepAlive(b)
}
