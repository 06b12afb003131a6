package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests open rendered reports in headless Chromium (Debian's
// chromium package), driven over the DevTools protocol.

// screenshotDirEnv names a folder to keep the browser test's screenshot and
// PDF in; without it they go to the test's temporary folder.
const screenshotDirEnv = "REPORT_SCREENSHOT_DIR"

// readmeScreenshotEnv names the PNG file TestReadmeScreenshot writes.
const readmeScreenshotEnv = "REPORT_README_SCREENSHOT"

// screenshotSourceEnv names the report TestReadmeScreenshot shows.
const screenshotSourceEnv = "REPORT_SCREENSHOT_SOURCE"

// browser is one headless Chromium with a fresh profile, and what its tab
// logged: requests made, and errors.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	requests []string
	errors   []string
}

// browserRequiredEnv, when set (CI sets it), turns a missing Chromium from a
// skip into a failure: a check that does not run must not pass unnoticed.
const browserRequiredEnv = "AAD_BROWSER_REQUIRED"

// newBrowser starts Chromium, or skips the test when it is not installed.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		const msg = "no chromium on PATH (apt-get install -y chromium)"
		if os.Getenv(browserRequiredEnv) != "" {
			t.Fatal(msg + ", and " + browserRequiredEnv + " is set")
		}
		t.Skip("THE BROWSER TEST DID NOT RUN: " + msg)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	b := &browser{}
	tctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(cancelTab)
	b.ctx = tctx
	return b
}

// listen runs in the tab's reading loop: it only records.
func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			b.errors = append(b.errors, fmt.Sprintf("console.%s: %v", ev.Type, ev.Args))
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.errors = append(b.errors, fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// open loads the file at path in a window width pixels wide.
func (b *browser) open(t *testing.T, path string, width, height int64) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: abs}).String()
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(width, height), chromedp.Navigate(u)); err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	return u
}

// checkQuiet fails t for any request but the page's own, and any error the
// page logged.
func (b *browser) checkQuiet(t *testing.T, page string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) == 0 {
		t.Error("the browser saw no request at all: the network listener is not working")
	}
	for _, r := range b.requests {
		if r != page {
			t.Errorf("the page made a request to %s", r)
		}
	}
	for _, e := range b.errors {
		t.Errorf("the page logged an error: %s", e)
	}
}

// keepDir is where screenshots and PDFs go.
func keepDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv(screenshotDirEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil { //nolint:gosec // the folder the person running the test named
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// TestReportInBrowser renders the report of a synthetic export of 3,000
// users, opens it in Chromium, and checks every number on the page against
// the counts worked out from the CSV; that the page made no request and
// logged no error; that it fits 1,280 pixels; and that it prints on A4, a
// section a page.
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	csvPath, sum := synthCSV(t, dir, synthSpec{users: 3000, seed: 42, rough: true})
	header, records := readCSV(t, csvPath)
	b := NewBuilder(header, asOf())
	feedCSV(b, records)
	errs := synthErrors()
	for _, e := range errs {
		b.UserError(e[0], e[1])
	}
	snap := Snapshot{TenantID: "00000000-0000-0000-0000-00000000c0de", Cloud: "public", Selection: "all users", SHA256: sum}
	htmlPath := filepath.Join(dir, "report.html")
	writeReport(t, b, snap, htmlPath)

	page := br.open(t, htmlPath, 1280, 900)
	want := expect(header, records, errs, asOf())
	checkMetrics(t, br, want)
	checkFields(t, br, map[string]string{"tenant": snap.TenantID, "cloud": "public", "selection": "all users", "sha256": sum, "time": "2026-03-01 12:00:00 UTC"})

	width, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 1280 {
		t.Errorf("the page is %d pixels wide at 1,280 (%v)", width, err)
	}
	keep := keepDir(t)
	png, err := chromedp.Run(br.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	writeFile(t, filepath.Join(keep, "report-1280.png"), png)

	pdf, err := chromedp.Run(br.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground(), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("printing to PDF: %v", err)
	}
	writeFile(t, filepath.Join(keep, "report-a4.pdf"), pdf)
	sections := len(regexp.MustCompile(`<section class="report"`).FindAllString(readFile(t, htmlPath), -1))
	// The header and key figures, then each section on pages of its own.
	if pages := pdfPages(pdf); pages < 1+sections || pages > 6*(1+sections) {
		t.Errorf("the A4 print has %d pages for %d sections", pages, sections)
	}
	br.checkQuiet(t, page)
	t.Logf("screenshot and PDF in %s", keep)
}

// checkMetrics compares every number the page shows under a metric, and
// every share, with the oracle's.
func checkMetrics(t *testing.T, br *browser, want expected) {
	t.Helper()
	got, err := chromedp.Run(br.ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll('[data-metric]'), e => [e.getAttribute('data-metric'), e.textContent])`))
	if err != nil {
		t.Fatalf("reading the numbers: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range got {
		name, text := m[0], m[1]
		seen[name] = true
		if !want.known(name) {
			t.Errorf("the page shows %q = %s, a number the CSV does not define", name, text)
			continue
		}
		if n := want.metrics[name]; strings.ReplaceAll(text, ",", "") != fmt.Sprint(n) {
			t.Errorf("%s: the page shows %s, the CSV gives %d", name, text, n)
		}
	}
	for name, n := range want.metrics {
		if n != 0 && !seen[name] {
			t.Errorf("%s = %d is not on the page", name, n)
		}
	}
	if len(got) < 500 {
		t.Errorf("only %d numbers on the page", len(got))
	}
	shares, err := chromedp.Run(br.ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll('[data-share]'), e => [e.getAttribute('data-share'), e.textContent])`))
	if err != nil {
		t.Fatalf("reading the shares: %v", err)
	}
	for _, s := range shares {
		if want.shares[s[0]] != s[1] {
			t.Errorf("share of %s: the page shows %s%%, the CSV gives %s%%", s[0], s[1], want.shares[s[0]])
		}
	}
	if len(shares) != len(want.shares) {
		t.Errorf("%d shares on the page, want %d", len(shares), len(want.shares))
	}
}

// checkFields compares the header's texts.
func checkFields(t *testing.T, br *browser, want map[string]string) {
	t.Helper()
	got, err := chromedp.Run(br.ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries(Array.from(document.querySelectorAll('[data-field]'), e => [e.getAttribute('data-field'), e.textContent]))`))
	if err != nil {
		t.Fatalf("reading the header: %v", err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("header %s: the page shows %q, want %q", k, got[k], v)
		}
	}
}

// pdfPages counts the page objects of a PDF.
func pdfPages(pdf []byte) int {
	return len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1))
}

// TestReadmeScreenshot writes a screenshot of a report like the demo's to
// the PNG file REPORT_README_SCREENSHOT names, for the README; without it
// the test has nothing to do.
func TestReadmeScreenshot(t *testing.T) {
	t.Parallel()
	out := os.Getenv(readmeScreenshotEnv)
	if out == "" {
		t.Skip(readmeScreenshotEnv + " is not set: no README screenshot to write")
	}
	br := newBrowser(t)
	// A report the demo wrote, when REPORT_SCREENSHOT_SOURCE names one;
	// else one of synthetic users.
	htmlPath := os.Getenv(screenshotSourceEnv)
	if htmlPath == "" {
		dir := t.TempDir()
		csvPath, sum := synthCSV(t, dir, synthSpec{users: 10000, seed: 2026})
		header, records := readCSV(t, csvPath)
		b := NewBuilder(header, asOf())
		feedCSV(b, records)
		for _, e := range synthErrors()[:7] {
			b.UserError(e[0], e[1])
		}
		htmlPath = filepath.Join(dir, "report.html")
		writeReport(t, b, Snapshot{TenantID: "contoso.onmicrosoft.com", Cloud: "public", Selection: "all users", SHA256: sum}, htmlPath)
	}
	br.open(t, htmlPath, 1280, 1700)
	png, err := chromedp.Run(br.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	writeFile(t, out, png)
	t.Logf("wrote %s", out)
}

func writeReport(t *testing.T, b *Builder, s Snapshot, path string) {
	t.Helper()
	var buf strings.Builder
	if err := b.Render(&buf, s); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, []byte(buf.String()))
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil { //nolint:gosec // the test's own folder, or the file the person running it named
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
