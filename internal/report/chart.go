package report

import (
	"strings"
	"unicode"
)

// chart is a table drawn as horizontal bars, one per row, each stacked from
// the row's part columns (or one piece for the whole), with the row's total
// at its end. Geometry is in SVG user units, computed here so that the
// template only places it.
type chart struct {
	Width, Height     int
	LabelX, BarHeight int
	Bars              []bar
	Legend            []legendEntry
}

type bar struct {
	Y, TextY  int
	Label     string
	Pieces    []piece
	NumberX   int
	Metric    string
	Total     int
	Title     string // the whole label, for a label cut to fit
	Truncated bool
}

type piece struct {
	X, W  int
	Class string
}

type legendEntry struct{ Class, Label string }

// Layout of a chart, in SVG units (CSS pixels at 1:1).
const (
	chartWidth  = 440
	labelWidth  = 150 // labels end here, right-aligned
	barX        = 156
	barWidth    = 220
	rowHeight   = 22
	barHeight   = 16
	chartLabel  = 22 // characters of a label the chart shows in labelWidth
	chartMargin = 4
)

func newChart(t *table) chart {
	total := -1
	var parts []int
	for i, c := range t.Columns {
		switch {
		case c.Total:
			total = i
		case c.Class != "":
			parts = append(parts, i)
		}
	}
	if total < 0 {
		return chart{}
	}
	wholeOnly := len(parts) == 0
	if wholeOnly {
		parts = []int{total}
	}
	most := 0
	for _, r := range t.Rows {
		most = max(most, r.Cells[total].Value)
	}
	ch := chart{Width: chartWidth, Height: len(t.Rows)*rowHeight + 2*chartMargin, LabelX: labelWidth, BarHeight: barHeight}
	for i, r := range t.Rows {
		ch.Bars = append(ch.Bars, newBar(t, r, parts, total, most, chartMargin+i*rowHeight, wholeOnly))
	}
	if !wholeOnly {
		for _, p := range parts {
			ch.Legend = append(ch.Legend, legendEntry{Class: t.Columns[p].Class, Label: t.Columns[p].FullLabel()})
		}
	}
	return ch
}

// newBar places one row's pieces. Each piece ends where the running sum of
// the parts so far ends, rounded, so that rounding never makes a bar longer
// than its total.
func newBar(t *table, r tableRow, parts []int, total, most, y int, wholeOnly bool) bar {
	label := strings.Join(r.Labels, " · ")
	short, cutOff := shorten(label, chartLabel)
	b := bar{
		Y: y + (rowHeight-barHeight)/2, TextY: y + rowHeight/2 + 4,
		Label: short, Title: label, Truncated: cutOff,
		Metric: r.Cells[total].Metric, Total: r.Cells[total].Value,
	}
	sum, prevEnd := 0, 0
	for _, p := range parts {
		sum += r.Cells[p].Value
		end := scaled(sum, most)
		if end > prevEnd {
			class := t.Columns[p].Class
			if wholeOnly {
				class = "seg-all"
			}
			b.Pieces = append(b.Pieces, piece{X: barX + prevEnd, W: end - prevEnd, Class: class})
		}
		prevEnd = end
	}
	b.NumberX = barX + prevEnd + 6
	return b
}

// scaled is n's length in a bar where most fills barWidth; any users at all
// show as at least one unit.
func scaled(n, most int) int {
	if n <= 0 || most <= 0 {
		return 0
	}
	return max(1, (n*barWidth+most/2)/most)
}

// shorten cuts s to n columns, marking the cut. A wide character (CJK,
// Hangul, emoji) takes two columns, so that a label of any script fits the
// same room.
func shorten(s string, n int) (string, bool) {
	width, end := 0, 0
	for i, r := range s {
		w := runeWidth(r)
		if width+w > n-1 && end == 0 {
			end = i
		}
		if width += w; width > n {
			return s[:end] + ellipsis, true
		}
	}
	return s, false
}

func runeWidth(r rune) int {
	if r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || r >= 0x1F300 {
		return 2
	}
	return 1
}
