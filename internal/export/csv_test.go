package export

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// referenceRecord is what encoding/csv writes for fields.
func referenceRecord(tb testing.TB, fields []string, crlf bool) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = crlf
	if err := w.Write(fields); err != nil {
		tb.Fatalf("encoding/csv: %v", err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatalf("encoding/csv: %v", err)
	}
	return b.Bytes()
}

// departsFromEncodingCSV reports whether a record is one of the two cases the
// encoder writes differently from encoding/csv, on purpose (see csv.go): a
// bare CR in CRLF mode, and a record of one empty field.
func departsFromEncodingCSV(fields []string, crlf bool) bool {
	if len(fields) == 1 && fields[0] == "" {
		return true
	}
	if !crlf {
		return false
	}
	for _, f := range fields {
		if strings.Count(f, "\r") != strings.Count(f, "\r\n") {
			return true
		}
	}
	return false
}

// assertReadsBack checks that a CSV reader gives the fields back, with the
// one change every reader makes inside quoted fields (csvRoundTrip).
func assertReadsBack(tb testing.TB, encoded []byte, fields []string) {
	tb.Helper()
	got, err := csv.NewReader(bytes.NewReader(encoded)).ReadAll()
	if err != nil {
		tb.Fatalf("reading %q back: %v", encoded, err)
	}
	want := make([]string, len(fields))
	for i, f := range fields {
		want[i] = csvRoundTrip(f)
	}
	if len(got) != 1 || !slices.Equal(got[0], want) {
		tb.Fatalf("%q read back as %q, want [%q]", encoded, got, want)
	}
}

func TestEncoderDeparturesFromEncodingCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields []string
		crlf   bool
		want   string
	}{
		{"single empty field, LF", []string{""}, false, "\"\"\n"},
		{"single empty field, CRLF", []string{""}, true, "\"\"\r\n"},
		{"bare CR kept with CRLF", []string{"a\rb", "\r"}, true, "\"a\rb\",\"\r\"\r\n"},
		{"CRLF kept, bare LF widened", []string{"a\r\nb\nc"}, true, "\"a\r\nb\r\nc\"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := encodeRecord(tt.fields, tt.crlf)
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			assertReadsBack(t, got, tt.fields)
		})
	}
}

func TestAppendRecordMatchesEncodingCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields []string
	}{
		{"plain", []string{"a", "b", "c"}},
		{"empty fields", []string{"", "", ""}},
		{"comma", []string{"Doe, John"}},
		{"quotes", []string{`say "hi"`, `"`}},
		{"LF", []string{"a\nb", "\n"}},
		{"CR", []string{"a\rb", "\r"}}, // equivalence checked in LF mode only
		{"CRLF", []string{"a\r\nb", "\r\n\r\n"}},
		{"leading space", []string{" a", "a "}},
		{"leading tab", []string{"\ta"}},
		{"leading vertical tab and form feed", []string{"\va", "\fa"}},
		{"leading NEL and NBSP", []string{"\u0085a", "\u00a0a"}},
		{"leading ideographic and line separator", []string{"\u3000a", "\u2028a"}},
		{"postgres end of data", []string{`\.`, `\.x`, `x\.`}},
		{"invalid UTF-8", []string{"\xff", "\xe3\x80", "a\xffb"}},
		{"non-ASCII", []string{"Zoë", "王小明", "Иван", "محمد", "🙂"}},
		{"formula-like left alone", []string{"=1+1", "@x", "+cmd"}},
	}
	for _, tt := range tests {
		for _, crlf := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got := encodeRecord(tt.fields, crlf)
				assertReadsBack(t, got, tt.fields)
				if departsFromEncodingCSV(tt.fields, crlf) {
					return
				}
				if want := referenceRecord(t, tt.fields, crlf); !bytes.Equal(got, want) {
					t.Errorf("crlf=%v\n got %q\nwant %q", crlf, got, want)
				}
			})
		}
	}
}

func TestAppendFieldFromBytesMatchesString(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"", "a", " a", "a,b", `"`, "\r\n", `\.`, "\u00a0"} {
		for _, crlf := range []bool{false, true} {
			s := appendField(nil, f, crlf)
			b := appendField(nil, []byte(f), crlf)
			if !bytes.Equal(s, b) {
				t.Errorf("field %q crlf=%v: string %q, bytes %q", f, crlf, s, b)
			}
		}
	}
}

//nolint:paralleltest // AllocsPerRun counts the whole process's allocations
func TestAppendFieldDoesNotAllocate(t *testing.T) {
	dst := make([]byte, 0, 1024)
	fields := []string{"plain", " lead", "a,b", "say \"x\"\r\n", "\u00a0x", "+1 206 555 0199x12", "-x1+X2", "=1,2"}
	allocs := testing.AllocsPerRun(100, func() {
		d := dst[:0]
		for _, f := range fields {
			d = appendCell(d, f, true, true)
		}
	})
	if allocs != 0 {
		t.Errorf("appendCell allocated %v times per run", allocs)
	}
}

// FuzzAppendRecord proves the hand-written encoder writes what encoding/csv
// writes, for any fields, in both line-ending modes (but for its two
// documented departures), and that a CSV reader always reads the fields back.
func FuzzAppendRecord(f *testing.F) {
	seeds := []string{"", "a", " a", "\u00a0", "a,b", `"`, "\r", "\n", "\r\n", `\.`, "\xff", "\xc2\x85x", "=1"}
	for _, s := range seeds {
		f.Add(s, "x", s, false)
		f.Add(s, s, "", true)
	}
	f.Fuzz(func(t *testing.T, a, b, c string, crlf bool) {
		for _, rec := range [][]string{{a}, {a, b}, {a, b, c}} {
			want := encodeRecord(rec, crlf)
			assertReadsBack(t, want, rec)
			if !departsFromEncodingCSV(rec, crlf) {
				if ref := referenceRecord(t, rec, crlf); !bytes.Equal(want, ref) {
					t.Fatalf("record %q crlf=%v\n got %q\nwant %q", rec, crlf, want, ref)
				}
			}
			var viaBytes []byte //nolint:prealloc // grown by append on purpose, as the hot path does
			for i, field := range rec {
				if i > 0 {
					viaBytes = append(viaBytes, ',')
				}
				viaBytes = appendField(viaBytes, []byte(field), crlf)
			}
			if viaBytes = endRecord(viaBytes, 0, len(rec), crlf); !bytes.Equal(viaBytes, want) {
				t.Fatalf("record %q crlf=%v from bytes\n got %q\nwant %q", rec, crlf, viaBytes, want)
			}
		}
	})
}
