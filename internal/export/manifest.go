package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"
)

// manifestVersion is the layout of the manifest this package writes; one of
// another version is not trusted to describe its CSV.
const manifestVersion = 1

// maxManifest bounds what is read of a manifest: it is small (its largest
// part lists the users that failed), and the file may be hostile.
const maxManifest = 64 << 20

// Manifest is the evidence of one snapshot: what was exported, from where,
// when, and the checksums of the files written. It never holds a secret or
// an access token; the change-log link it keeps lets the next run ask Graph
// only for what changed, and is useless without credentials.
type Manifest struct {
	Version         int       `json:"version"`
	ProviderVersion string    `json:"provider_version"`
	TenantID        string    `json:"tenant_id"`
	Cloud           string    `json:"cloud"`
	ClientID        string    `json:"client_id"`
	Columns         []string  `json:"columns"`
	Selection       Selection `json:"selection"`
	EscapeFormulas  bool      `json:"escape_formulas"`
	LineEnding      string    `json:"line_ending"`
	ByteOrderMark   bool      `json:"byte_order_mark"`
	Mode            Mode      `json:"mode"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	Users           int       `json:"users"`
	Errors          int       `json:"errors"`
	SHA256          string    `json:"sha256"`
	ResultsSHA256   string    `json:"results_sha256,omitempty"`

	// DeltaLink is the directory's change log as of the end of the
	// snapshot: an incremental run follows it. Empty when Graph refused
	// the change log.
	DeltaLink string `json:"delta_link,omitempty"`

	// FailedIDs are the object ids of the users that could not be
	// exported: the next incremental run reads them again, changed or not.
	FailedIDs []string `json:"failed_ids,omitempty"`

	// QuotedIDs are the object ids of users whose userPrincipalName begins
	// with a single quote followed by what the formula guard guards (the
	// file shows them as it would show a guarded name): reading the file
	// back, their names are taken as written. Almost always empty.
	QuotedIDs []string `json:"quoted_ids,omitempty"`
}

// Selection is which users a snapshot holds.
type Selection struct {
	Filter             string   `json:"filter,omitempty"`
	Search             string   `json:"search,omitempty"`
	UserPrincipalNames []string `json:"user_principal_names,omitempty"`
	ObjectIDs          []string `json:"object_ids,omitempty"`
}

// Mode says how a snapshot was taken.
type Mode string

// Modes.
const (
	ModeFull        Mode = "full"        // the whole selection listed
	ModeIncremental Mode = "incremental" // the previous snapshot and the changes since
)

// Provenance is what a snapshot's manifest records about where it came from;
// the caller knows it (the provider's configuration), the export does not.
type Provenance struct {
	ProviderVersion string
	TenantID        string
	Cloud           string
	ClientID        string
}

// readManifest reads the manifest at path; (nil, nil) when there is none.
func readManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the manifest %q: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read only
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("reading the manifest %q: %w", path, err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("the manifest %q is over %d bytes: not one this provider wrote", path, maxManifest)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the manifest %q does not parse: %w", path, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("the manifest %q has version %d, not %d", path, m.Version, manifestVersion)
	}
	return &m, nil
}

// writeManifest prepares m in a temporary file beside path, for publishing
// with the other files.
func writeManifest(path string, m *Manifest) (*atomicFile, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	f, err := createAtomic(path, false)
	if err != nil {
		return nil, fmt.Errorf("manifest path %q: %w", path, err)
	}
	if err := f.writeAll(append(data, '\n')); err != nil {
		return nil, errors.Join(err, f.discard())
	}
	if err := f.prepare(); err != nil {
		return nil, errors.Join(err, f.discard())
	}
	return f, nil
}

// mismatch says why a previous snapshot cannot be the base of this one, or
// "" when it can: the same tenant, cloud, columns, selection and encoding.
func (m *Manifest) mismatch(now *Manifest) string {
	switch {
	case !equalFoldGUID(m.TenantID, now.TenantID):
		return "it is of another tenant"
	case m.Cloud != now.Cloud:
		return "it is of another cloud"
	case !slices.Equal(m.Columns, now.Columns):
		return "its columns differ"
	case !m.Selection.equal(now.Selection):
		return "its filter, search or lists differ"
	case m.EscapeFormulas != now.EscapeFormulas || m.LineEnding != now.LineEnding || m.ByteOrderMark != now.ByteOrderMark:
		return "its encoding (formula escaping, line ending or byte order mark) differs"
	}
	return ""
}

func (s Selection) equal(o Selection) bool {
	return s.Filter == o.Filter && s.Search == o.Search &&
		slices.Equal(s.UserPrincipalNames, o.UserPrincipalNames) && slices.Equal(s.ObjectIDs, o.ObjectIDs)
}

func equalFoldGUID(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }
