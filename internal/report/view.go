package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The view is the page as data, built from a Builder's counts by the
// view_*.go files and written by the template. Every number on the page is
// a cell or a figure with a metric: a stable name that tests and other tools
// can find the number by (the data-metric attribute).

type page struct {
	Title    string
	Header   header
	Figures  []figure
	Sections []section
	Missing  []missing
}

type header struct {
	TenantID, Cloud, Selection, SHA256 string
	AsOf, AsOfISO                      string
	Columns                            []string
	Rows, Errors                       int
}

// figure is one headline number, with its share of all users.
type figure struct {
	Metric, Label string
	Value         int
	Share         string // percent with one decimal; "" when there are no users
}

type section struct {
	ID, Title, Intro string
	Facts            []figure
	Notes            []string
	Tables           []table
}

// missing is a section the export's columns do not allow, and the columns
// that would.
type missing struct {
	Title   string
	Columns []string
}

type table struct {
	ID, Caption, Note string
	Heads             []string // headings of the label columns
	Columns           []valueColumn
	Groups            []headGroup // a first heading row, when columns have groups
	Rows              []tableRow
	Chart             chart
}

// valueColumn is a column of numbers. Total is the row's whole; the others
// are parts of it, drawn stacked in the chart with their Class's colour.
// Columns of one Group ("Members") share a heading above their own
// ("enabled").
type valueColumn struct {
	Key, Group, Label, Class string
	Total                    bool
}

// FullLabel names the column on its own, as the chart's legend does.
func (c valueColumn) FullLabel() string {
	if c.Group == "" {
		return c.Label
	}
	return c.Group + ", " + c.Label
}

// headGroup is a cell of the first heading row: a group over Span columns,
// or (Group empty) one column's own heading, two rows high.
type headGroup struct {
	Group  string
	Span   int
	Column valueColumn
}

// groupHeads fills t.Groups when some column has a group.
func (t *table) groupHeads() {
	t.Groups = nil
	grouped := false
	for _, c := range t.Columns {
		if c.Group != "" {
			grouped = true
		}
	}
	if !grouped {
		return
	}
	for _, c := range t.Columns {
		if n := len(t.Groups); c.Group != "" && n > 0 && t.Groups[n-1].Group == c.Group {
			t.Groups[n-1].Span++
			continue
		}
		t.Groups = append(t.Groups, headGroup{Group: c.Group, Span: 1, Column: c})
	}
}

type tableRow struct {
	Key    string
	Labels []string // each in a heading cell of its own
	Cells  []tableCell
}

type tableCell struct {
	Metric string
	Value  int
}

// addRow appends a row whose cells are values, in t.Columns order.
func (t *table) addRow(key string, labels []string, values ...int) {
	r := tableRow{Key: key, Labels: labels, Cells: make([]tableCell, len(values))}
	for i, v := range values {
		r.Cells[i] = tableCell{Metric: t.ID + "/" + key + "/" + t.Columns[i].Key, Value: v}
	}
	t.Rows = append(t.Rows, r)
}

// share is n as a percent of total, with one decimal.
func share(n, total int) string {
	if total == 0 {
		return ""
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 1, 64)
}

// number writes n with a comma between thousands, whatever the locale.
func number(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// clean makes text from the directory safe to show once escaped: invalid
// UTF-8 and control characters become U+FFFD, so that a department cannot
// break the page's encoding or hide in it. (html/template escapes the rest;
// the template isolates its direction.)
func clean(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func cleanAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = clean(v)
	}
	return out
}
