package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// report is a finished run.
type report struct {
	b       *bench
	date    time.Time
	elapsed time.Duration
	loadEnd string
	checks  []check
}

func (b *bench) report(elapsed time.Duration) report {
	return report{b: b, date: time.Now().UTC(), elapsed: elapsed, loadEnd: loadAverage(), checks: b.checks()}
}

func (r report) passed() bool {
	for _, c := range r.checks {
		if !c.Pass && !c.Skipped {
			return false
		}
	}
	return true
}

// target is the target a row serves, for the table's first column.
func target(key string) string {
	switch strings.SplitN(key, "/", 2)[0] {
	case "speed":
		return "1"
	case "budget":
		return "2"
	case "cpu":
		return "3"
	case "memory":
		return "4"
	case "exact":
		return "5"
	case "churn":
		return "6"
	case "snapshots":
		return "7"
	case "changes":
		return "8"
	case "report":
		return "9"
	case "clock":
		return "(1)"
	}
	return "e2e"
}

// tableHead is the table's header.
func tableHead() []string {
	return []string{"target", "run", "profile", "columns", "users", "wall s", "users/s",
		"CPU s / 100k users", "peak RSS MB", "requests (+inner)", "429s", "RU spent", "emulator CPU s", "others' CPU s"}
}

func (r report) cells(key string) []string {
	x := r.b.rows[key]
	return []string{target(key), x.Name, x.Profile, strconv.Itoa(x.Columns), thousands(int64(x.Users)),
		fmt.Sprintf("%.2f", x.Wall.Seconds()), thousands(int64(x.usersPerSecond())), fmt.Sprintf("%.2f", x.cpuPer100k()),
		fmt.Sprintf("%.0f", float64(x.PeakRSS)/1e6), x.requests(), thousands(int64(x.Thr)), thousands(x.RU),
		seconds(x.EmuCPU), seconds(x.Others)}
}

// seconds shows a CPU time, or "?" when it could not be read.
func seconds(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

// text is the report as printed: the table, then the targets.
func (r report) text() string {
	lines := []string{strings.Join(tableHead(), "\t")}
	for _, k := range r.b.order {
		lines = append(lines, strings.Join(r.cells(k), "\t"))
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = io.WriteString(tw, strings.Join(lines, "\t\n")+"\t\n") // into a buffer: cannot fail
	_ = tw.Flush()                                                // likewise
	buf.WriteString("\n")
	for _, c := range r.checks {
		fmt.Fprintf(&buf, "target %d %-4s %s\n         %s (threshold: %s)\n", c.N, c.verdict(), c.Title, orDash(c.Figure), c.Threshold)
	}
	for _, line := range []string{r.terraformLine(), r.clockLine(), r.remeasuredLine()} {
		if line != "" {
			buf.WriteString("\n" + line + "\n")
		}
	}
	fmt.Fprintf(&buf, "\nbenchmark took %s; load average %s at the start, %s at the end\n",
		r.elapsed.Round(time.Second), r.b.machine.LoadStart, r.loadEnd)
	return buf.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// terraformLine says what Terraform adds to the direct export.
func (r report) terraformLine() string {
	rs, ok := r.b.rowsFor(keyTerraform, keyTerraformDirect)
	if !ok {
		return ""
	}
	tf, direct := rs[0], rs[1]
	same := "the same sha256"
	if tf.SHA256 != direct.SHA256 {
		same = "DIFFERENT sha256s (" + tf.SHA256 + " vs " + direct.SHA256 + ")"
	}
	return fmt.Sprintf("terraform apply adds %+.2f s wall, %+.2f s CPU and %+.0f MB peak RSS to the direct export of the same %s users; both wrote %s",
		tf.Wall.Seconds()-direct.Wall.Seconds(), tf.CPU.Seconds()-direct.CPU.Seconds(),
		float64(tf.PeakRSS-direct.PeakRSS)/1e6, thousands(int64(direct.Users)), same)
}

// remeasuredLine names the rows measured more than once.
func (r report) remeasuredLine() string {
	var rows []string
	for _, k := range r.b.order {
		if x := r.b.rows[k]; x.Attempts > 1 {
			rows = append(rows, fmt.Sprintf("target %s %s (%d runs, the kept one with %.1f CPU s of others')", target(k), x.Name, x.Attempts, x.Others.Seconds()))
		}
	}
	if len(rows) == 0 {
		return ""
	}
	return "measured again because other processes used over half a core meanwhile, keeping the least disturbed run: " + strings.Join(rows, "; ")
}

// clockLine says what a compressed clock does to target 1's ratios.
func (r report) clockLine() string {
	rs, ok := r.b.rowsFor(keyProviderList, keyChain999, keyChain100, keyClockProvider, keyClockChain999, keyClockChain100)
	if !ok {
		return ""
	}
	s999, s100 := speedups(rs[0], rs[1], rs[2])
	c999, c100 := speedups(rs[3], rs[4], rs[5])
	return fmt.Sprintf("on a clock %d times faster (time scale %g) target 1's rows give %.1fx and %.1fx instead of %.1fx and %.1fx: "+
		"the single chains, bound by latency, ran %.1f and %.1f times faster, the provider, bound by the cores, only %.1f times; "+
		"so the realistic rows keep Graph's own clock",
		clockCompression, r.b.cfg.timeScale/clockCompression, c999, c100, s999, s100,
		rs[1].wallPerUser()/rs[4].wallPerUser(), rs[2].wallPerUser()/rs[5].wallPerUser(), rs[0].wallPerUser()/rs[3].wallPerUser())
}

func (r row) requests() string {
	if r.Inner == 0 {
		return thousands(int64(r.Requests))
	}
	return thousands(int64(r.Requests)) + " (+" + thousands(int64(r.Inner)) + ")"
}

// markdownTable is the table in Markdown.
func (r report) markdownTable(keys []string) string {
	var b strings.Builder
	head := tableHead()
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for i := range head {
		if i < 3 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, k := range keys {
		b.WriteString("| " + strings.Join(r.cells(k), " | ") + " |\n")
	}
	return b.String()
}

// write writes the report to out and its summary into readme's Performance
// section (each only when named).
func (r report) write(out, readme string) error {
	if out != "" {
		if err := writeFile(out, []byte(r.markdown())); err != nil {
			return err
		}
	}
	if readme == "" {
		return nil
	}
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	updated, err := replaceBetween(string(old), readmeBegin, readmeEnd, r.summary(filepath.Base(out)))
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	return writeFile(readme, []byte(updated))
}

// The README's Performance section lies between these markers.
const (
	readmeBegin = "<!-- BENCHMARKS"
	readmeEnd   = "<!-- END BENCHMARKS -->"
)

// replaceBetween replaces what follows the line that begins with begin, up
// to the line end, with body.
func replaceBetween(doc, begin, end, body string) (string, error) {
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", errors.New("no " + begin + " marker")
	}
	nl := strings.IndexByte(doc[i:], '\n')
	j := strings.Index(doc[i:], end)
	if nl < 0 || j < nl {
		return "", errors.New("no " + end + " marker after " + begin)
	}
	return doc[:i+nl+1] + "\n" + body + "\n" + doc[i+j:], nil
}

// writeFile replaces path atomically (a reader never sees half a report).
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644) //nolint:gosec // a report for the repository, not personal data
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name()) // the temporary file only
	}
	return err
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
