package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// This file makes a synthetic export (a CSV written with encoding/csv from a
// seeded generator) and works out, from the CSV alone and without the
// Builder, every number its report must show, by metric name.

// synthColumns are the columns of the synthetic CSV: all the report reads.
func synthColumns() []string { return fixtureColumns() }

// synthSpec says what synthetic directory to make. A rough one has the
// values Graph leaves null or documents nowhere, and departments that try to
// break the page (an image with a source would be a network request the
// browser test sees), among the largest; a smooth one looks like a demo.
type synthSpec struct {
	users int
	seed  uint64
	rough bool
}

// synthDepartments are drawn with weights falling by rank.
func synthDepartments(rough bool) []string {
	d := []string{"Sales", "Research & Development", "Operations", "Customer Success", "Finance", "Marketing",
		"Human Resources", "Legal", "IT", "Facilities", "Procurement", "Security", "Data Science", "Support",
		"Forschung & Entwicklung", "Ventes", "営業部", "Logistics", "Quality", "Training", "Design", "Product",
		"Engineering", "Manufacturing", "Public Relations", "Internal Audit", "Treasury", "Tax", "Strategy", "Executive Office"}
	if rough {
		d = append([]string{`<img src="https://attacker.example/x.png" onerror="alert(1)">`, `'=cmd|' /C calc'!A0`,
			"\u202eecnaniF", `"quoted", with comma`, "</table></figure><script>fetch('//x')</script>"}, d...)
	}
	return d
}

// synthCSV writes the users to dir/users.csv and returns its path and
// sha256.
func synthCSV(tb testing.TB, dir string, spec synthSpec) (path, sum string) {
	tb.Helper()
	r := rand.New(rand.NewPCG(spec.seed, spec.seed^0x5eed)) //nolint:gosec // test data
	depts := synthDepartments(spec.rough)
	odd := 0 // the weight of values Graph leaves null or documents nowhere
	if spec.rough {
		odd = 1
	}
	methods := []string{"microsoftAuthenticatorPush", "mobilePhone", "fido2", "windowsHelloForBusiness", "softwareOneTimePasscode", "email", "passKeyDeviceBound"}
	pick := func(weights map[string]int) string { return weighted(r, weights) }
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(synthColumns()); err != nil {
		tb.Fatal(err)
	}
	for i := range spec.users {
		dept := ""
		if r.IntN(10) > 0 {
			dept = depts[min(r.IntN(len(depts)), r.IntN(len(depts)))]
		}
		var ms []string
		for range r.IntN(4) {
			ms = append(ms, methods[r.IntN(len(methods))]) // now and then twice
		}
		lastSignIn := synthDate(r, 900, 15, spec.rough)
		success := lastSignIn
		if r.IntN(5) == 0 {
			success = synthDate(r, 900, 20, spec.rough)
		}
		row := []string{
			fmt.Sprintf("user%05d@contoso.example", i),
			pick(map[string]int{"Member": 80, "Guest": 18, "": odd, "member": odd}),
			pick(map[string]int{"True": 85, "False": 14, "": odd}),
			pick(map[string]int{"True": 40, "False": 5, "": 55}),
			dept,
			pick(map[string]int{"": 70, "Adult": 20, "Minor": 6, "NotAdult": 3, "Other": odd}),
			pick(map[string]int{"": 80, "Granted": 10, "Denied": 5, "NotRequired": 4, "Unknown": odd}),
			pick(map[string]int{"": 60, "Adult": 25, "MinorWithOutParentalConsent": 4, "minorWithOutParentalConsent": 1, "MinorWithParentalConsent": 5, "MinorNoParentalConsentRequired": 2, "NotAdult": 3}),
			pick(map[string]int{"True": 70, "False": 25, "": 5}),
			pick(map[string]int{"True": 65, "False": 30, "": 5}),
			pick(map[string]int{"True": 20, "False": 75, "": 5}),
			joinSemicolons(ms),
			pick(map[string]int{"": 50, "+1 206 555 0100": 50}),
			pick(map[string]int{"": 85, "+1 425 555 0101": 15}),
			pick(map[string]int{"": 60, "someone@example.org": 40}),
			synthDate(r, 2500, 10, spec.rough),
			lastSignIn,
			success,
		}
		if err := w.Write(row); err != nil {
			tb.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	path = filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	s := sha256.Sum256(buf.Bytes())
	return path, hex.EncodeToString(s[:])
}

// synthDate is a date-time up to days before asOf, or empty one time in
// emptyOneIn, or (when rough) now and then not a date at all.
func synthDate(r *rand.Rand, days, emptyOneIn int, rough bool) string {
	switch n := r.IntN(emptyOneIn * 10); {
	case n < 10:
		return ""
	case n == 10 && rough:
		return "not a date"
	}
	// Most dates are recent, as most accounts are in use: the age's
	// fraction of days is a uniform draw cubed.
	u := r.Float64()
	age := time.Duration(u * u * u * float64(days) * float64(day))
	if r.IntN(2) == 0 {
		age = age.Truncate(time.Second) // Graph sends whole seconds, and fractions
	}
	return asOf().Add(-age).Format(time.RFC3339Nano)
}

func weighted(r *rand.Rand, weights map[string]int) string {
	keys := make([]string, 0, len(weights))
	total := 0
	for k, w := range weights {
		keys = append(keys, k)
		total += w
	}
	slices.Sort(keys) // map order is random: the seed alone must decide
	n := r.IntN(total)
	for _, k := range keys {
		if n -= weights[k]; n < 0 {
			return k
		}
	}
	return keys[len(keys)-1]
}

func joinSemicolons(s []string) string {
	var b bytes.Buffer
	for i, v := range s {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(v)
	}
	return b.String()
}

// readCSV returns the header and records of a CSV file.
func readCSV(tb testing.TB, path string) (header []string, records [][]string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(all) == 0 {
		tb.Fatalf("reading %s: %v", path, err)
	}
	return all[0], all[1:]
}

// feedCSV gives the records to a Builder, as the export would.
func feedCSV(b *Builder, records [][]string) {
	cells := make([][]byte, 0, 32)
	for _, rec := range records {
		cells = cells[:0]
		for _, v := range rec {
			cells = append(cells, []byte(v))
		}
		b.Row(cells)
	}
}
