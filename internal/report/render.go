package report

import (
	"bytes"
	_ "embed" // the page's template
	"fmt"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var pageTemplate string

// Render writes the report: one HTML page that needs nothing else. The same
// rows and snapshot give the same bytes. Render does not change b, so it
// may be called again.
func (b *Builder) Render(w io.Writer, s Snapshot) error {
	// Parsed per call (about a millisecond, once an export) rather than
	// kept in a package variable.
	t, err := template.New("report").Funcs(template.FuncMap{"num": number}).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, b.view(s)); err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
