package report

import (
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		cut      bool
	}{
		{"", "", false},
		{"Sales", "Sales", false},
		{"abcdef", "abcdef", false},
		{"abcdefg", "abcde…", true},
		{"日本語の部", "日本…", true},
		{"日本語", "日本語", false},
		{"ab日本語", "ab日…", true},
	}
	for _, tt := range tests {
		got, cut := shorten(tt.in, 6)
		if got != tt.want || cut != tt.cut {
			t.Errorf("shorten(%q, 6) = %q, %v; want %q, %v", tt.in, got, cut, tt.want, tt.cut)
		}
	}
}

// TestChartPieces checks the geometry of stacked bars: pieces are adjacent,
// no bar is longer than the longest, and any users at all show.
func TestChartPieces(t *testing.T) {
	t.Parallel()
	tb := table{ID: "t", Columns: []valueColumn{{Key: "all", Total: true}, {Key: "a", Class: "x"}, {Key: "b", Class: "y"}}}
	tb.addRow("big", []string{"Big"}, 1000, 999, 1)
	tb.addRow("small", []string{"Small"}, 1, 0, 1)
	tb.addRow("none", []string{"None"}, 0, 0, 0)
	ch := newChart(&tb)
	if len(ch.Bars) != 3 || len(ch.Legend) != 2 {
		t.Fatalf("bars %d, legend %d", len(ch.Bars), len(ch.Legend))
	}
	for _, b := range ch.Bars {
		x := barX
		for _, p := range b.Pieces {
			if p.X != x || p.W <= 0 {
				t.Errorf("%s: piece %+v after x=%d", b.Label, p, x)
			}
			x += p.W
		}
		if x > barX+barWidth || b.NumberX != x+6 {
			t.Errorf("%s: ends at %d, number at %d", b.Label, x, b.NumberX)
		}
	}
	if big := ch.Bars[0]; big.NumberX != barX+barWidth+6 {
		t.Errorf("the longest bar must fill the width: %+v", big.Pieces)
	}
	if small := ch.Bars[1]; len(small.Pieces) != 1 || small.Pieces[0].W != 1 || small.Pieces[0].Class != "y" {
		t.Errorf("one user must show: %+v", small.Pieces)
	}
	if none := ch.Bars[2]; len(none.Pieces) != 0 || none.Metric != "t/none/all" {
		t.Errorf("no users: %+v", none)
	}
}

func TestNumberAndShare(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := number(n); got != want {
			t.Errorf("number(%d) = %q, want %q", n, got, want)
		}
	}
	if got := share(1, 3); got != "33.3" {
		t.Errorf("share(1, 3) = %q", got)
	}
	if got := share(5, 0); got != "" {
		t.Errorf("share of no users = %q, want empty", got)
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Sales":              "Sales",
		"R&D <x>":            "R&D <x>",
		"a\x00b":             "a\uFFFDb",
		"bad \xff\xfe utf-8": "bad \uFFFD utf-8",
		"tab\there\nnl":      "tab\uFFFDhere\uFFFDnl",
		"\u202eevil":         "\u202eevil", // bidi controls stay; <bdi> isolates them
		"C1 \u0085":          "C1 \uFFFD",
	}
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean(strings.Repeat("x", 10)); got != strings.Repeat("x", 10) {
		t.Errorf("clean changed plain text: %q", got)
	}
}
