package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// completeness compares an exported CSV with the emulator's own list of
// users: the same generator, seed and options give the same directory.
type completeness struct {
	Expected   int      // users in the directory
	Rows       int      // rows in the CSV
	Missing    int      // directory users not in the CSV
	Duplicated int      // rows repeating an objectId
	Unknown    int      // rows whose objectId the directory does not hold
	Shared     int      // directory users whose name begins with spec.SharedPrefix
	Firsts     []string // first characters of names outside a-z, sorted
}

func (c completeness) ok() bool {
	return c.Missing == 0 && c.Duplicated == 0 && c.Unknown == 0 && c.Rows == c.Expected
}

func (c completeness) String() string {
	return fmt.Sprintf("%s rows for %s users: %d missing, %d duplicated, %d unknown",
		thousands(int64(c.Rows)), thousands(int64(c.Expected)), c.Missing, c.Duplicated, c.Unknown)
}

// checkCompleteness reads the objectId column of csvPath and compares it
// with the directory spec generates.
func checkCompleteness(csvPath string, spec emulatorSpec) (completeness, error) {
	ten, err := generate(spec)
	if err != nil {
		return completeness{}, err
	}
	want := make(map[string]bool, spec.Users) // id -> seen in the CSV
	firsts := map[string]bool{}
	var c completeness
	for u := range ten.Users() {
		want[u.ID] = false
		name := strings.ToLower(u.UserPrincipalName)
		if spec.SharedPrefix != "" && strings.HasPrefix(name, spec.SharedPrefix) {
			c.Shared++
		}
		if r, _ := utf8.DecodeRuneInString(name); r < 'a' || r > 'z' {
			firsts[string(r)] = true
		}
	}
	c.Expected = len(want)
	for r := range firsts {
		c.Firsts = append(c.Firsts, r)
	}
	slices.Sort(c.Firsts)
	err = eachObjectID(csvPath, func(id string) {
		c.Rows++
		seen, known := want[id]
		switch {
		case !known:
			c.Unknown++
		case seen:
			c.Duplicated++
		default:
			want[id] = true
		}
	})
	for _, seen := range want {
		if !seen {
			c.Missing++
		}
	}
	return c, err
}

// generate makes the directory the emulator serves for spec.
func generate(spec emulatorSpec) (*tenant.Tenant, error) {
	return tenant.Generate(tenant.GenerateOptions{
		Seed: spec.Seed, Users: spec.Users, SharedPrefixShare: spec.SharedShare, SharedPrefix: spec.SharedPrefix,
	})
}

// eachObjectID calls fn with the objectId of every row of a CSV.
func eachObjectID(path string, fn func(string)) error {
	return eachRow(path, []string{"objectId"}, func(cells []string) { fn(cells[0]) })
}

// eachRow calls fn with the cells of the named columns of every row of a
// CSV, in the order named.
func eachRow(path string, columns []string, fn func(cells []string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read-only
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	at := make([]int, len(columns))
	for i, c := range columns {
		if at[i] = slices.Index(head, c); at[i] < 0 {
			return fmt.Errorf("%s has no %s column", path, c)
		}
	}
	cells := make([]string, len(columns))
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, col := range at {
			cells[i] = rec[col]
		}
		fn(cells)
	}
}
