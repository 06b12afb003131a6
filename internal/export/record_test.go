package export

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// What the export writes reads back as the same fields, record by record,
// whatever the fields hold (quotes, commas, line breaks, a lone CR).
func FuzzSplitRecord(f *testing.F) {
	f.Add("a", "b,c", `say "hi"`, false)
	f.Add("line\nbreak", "cr\ronly", "", true)
	f.Add("", "", "", false)
	f.Add(`\.`, " lead", "x\r\n", true)
	f.Fuzz(func(t *testing.T, a, b, c string, crlf bool) {
		fields := []string{a, b, c}
		rec := encodeRecord(fields, crlf)
		var sp fieldSplitter
		got, err := sp.split(rec)
		if err != nil {
			t.Fatalf("split(%q): %v", rec, err)
		}
		want := fields
		if crlf {
			// Written with CRLF line endings, a quoted field's line
			// breaks are written as CRLF, and read back so.
			want = make([]string, len(fields))
			for i, s := range fields {
				want[i] = s
				if fieldNeedsQuotes(s) {
					want[i] = strings.ReplaceAll(string(appendQuotedBody(nil, s, true)), `""`, `"`)
				}
			}
		}
		if !slices.Equal(toStrings(got), want) {
			t.Fatalf("fields %q read back as %q", want, got)
		}
		rr := newRecordReader(bytes.NewReader(append(append([]byte(nil), rec...), rec...)))
		for range 2 {
			r, err := rr.next()
			if err != nil || !bytes.Equal(r, rec) {
				t.Fatalf("recordReader: %q, %v; want %q", r, err, rec)
			}
		}
		if _, err := rr.next(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the last record: %v", err)
		}
	})
}

func toStrings(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

// Hostile bytes never make the reader panic or loop.
func FuzzRecordReader(f *testing.F) {
	f.Add([]byte("a,b\n\"c\nd\",e\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr := newRecordReader(bytes.NewReader(data))
		for range len(data) + 1 {
			rec, err := rr.next()
			if err != nil {
				return
			}
			var sp fieldSplitter
			_, _ = sp.split(rec)
		}
		t.Fatal("more records than bytes")
	})
}

// Splitting a row costs no allocation once the splitter is warm: the report
// splits every row of the export. Not parallel: AllocsPerRun counts the
// whole process's allocations.
func TestSplitAllocatesNothing(t *testing.T) { //nolint:paralleltest // see above
	rec := encodeRecord([]string{"a@contoso.com", "Doe, Jane", `say "hi"`, "", "line\nbreak", "plain"}, false)
	var sp fieldSplitter
	if _, err := sp.split(rec); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = sp.split(rec) }); n != 0 {
		t.Errorf("%v allocations per split", n)
	}
}
