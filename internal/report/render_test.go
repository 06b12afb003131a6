package report

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	got := render(t, fixtureBuilder(), fixtureSnapshot())
	goldenCheck(t, "report.golden.html", got)
}

// TestRenderEscapes feeds values that try to become markup and checks that
// each comes out as text.
func TestRenderEscapes(t *testing.T) {
	t.Parallel()
	got := render(t, fixtureBuilder(), fixtureSnapshot())
	for _, bad := range []string{"<script", "<b>", "<op>", `"code"&`, "<Sales>", "\x01", "\xff"} {
		if strings.Contains(got, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"&lt;b&gt;bold&lt;/b&gt;",
		"&#39;=HYPERLINK(&#34;http://evil.example&#34;)",
		"Partners \uFFFD\uFFFD",
		"<bdi>\u202eevil\u202c Finance</bdi>",
		"&lt;Sales&gt;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !utf8.ValidString(got) {
		t.Error("the page is not valid UTF-8")
	}
}

// TestRenderSelfContained checks that the page can load nothing: no
// element or style that fetches, no script, and a policy that forbids both.
func TestRenderSelfContained(t *testing.T) {
	t.Parallel()
	got := strings.ToLower(render(t, fixtureBuilder(), fixtureSnapshot()))
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "<base", "src=", "url(", "@import", "@font-face", "javascript:", " on"} {
		if bad == " on" {
			if i := strings.Index(got, " onload="); i >= 0 {
				t.Errorf("event handler attribute at %d", i)
			}
			continue
		}
		if strings.Contains(got, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(got, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link to %q: only links within the page are allowed", m[1])
		}
	}
	if !strings.Contains(got, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("the page lacks its content security policy")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	first := render(t, fixtureBuilder(), fixtureSnapshot())
	for range 3 {
		if again := render(t, fixtureBuilder(), fixtureSnapshot()); again != first {
			t.Fatal("the same rows gave another page")
		}
	}
	b := fixtureBuilder()
	render(t, b, fixtureSnapshot())
	if again := render(t, b, fixtureSnapshot()); again != first {
		t.Fatal("rendering twice from one Builder gave another page")
	}
}

// TestRenderSections checks that a section shows exactly when its columns
// were exported, and that the page names the columns of the others.
func TestRenderSections(t *testing.T) {
	t.Parallel()
	all := []string{"population", "departments", "strongauth", "stale", "errors"}
	tests := []struct {
		name    string
		columns []string
		shown   []string
	}{
		{"portal columns", []string{"userPrincipalName", "userType", "department", "accountEnabled", "authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail", "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification"},
			[]string{"population", "departments", "strongauth", "errors"}},
		{"nothing the report reads", []string{"userPrincipalName", "displayName"}, []string{"errors"}},
		{"sign-ins only", []string{"signInActivity"}, []string{"stale", "errors"}},
		{"registration details only", []string{"isMfaCapable"}, []string{"strongauth", "errors"}},
		{"every column", fixtureColumns(), all},
	}
	for _, tt := range tests {
		page := render(t, build(tt.columns, make([]string, len(tt.columns))), fixtureSnapshot())
		for _, id := range all {
			shown := strings.Contains(page, `<section class="report" id="`+id+`">`)
			if shown != slices.Contains(tt.shown, id) {
				t.Errorf("%s: section %s shown %v", tt.name, id, shown)
			}
		}
		if missing := strings.Contains(page, "Not in this export"); missing != (len(tt.shown) < len(all)) {
			t.Errorf("%s: the list of sections not shown is there: %v", tt.name, missing)
		}
	}
}

func TestRenderWriteError(t *testing.T) {
	t.Parallel()
	err := fixtureBuilder().Render(failingWriter{}, fixtureSnapshot())
	if !errors.Is(err, errDiskFull) {
		t.Errorf("Render = %v, want the writer's error", err)
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestRenderNoUsers: an export that selected nobody still gets a page, with
// zeros and no shares.
func TestRenderNoUsers(t *testing.T) {
	t.Parallel()
	got := render(t, NewBuilder(fixtureColumns(), asOf()), fixtureSnapshot())
	for _, want := range []string{`data-metric="rows">0<`, `data-metric="key/users">0<`, "there were no per-user errors"} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(got, "data-share") || strings.Contains(got, "NaN") {
		t.Error("a share of no users is shown")
	}
}
