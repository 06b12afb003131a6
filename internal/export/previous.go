package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// snapshot reads the rows of the previous CSV back in order, each with its
// sort key and object id, for the final merge to copy (an incremental run)
// or compare (the changes report).
type snapshot struct {
	m        *Manifest
	f        *os.File
	rr       *recordReader
	upn, oid int
	escape   bool
	quoted   map[string]bool

	split fieldSplitter

	// The current row; ok is false past the last.
	key, id, rec []byte
	ok           bool
}

// openSnapshot opens the CSV a manifest describes, after checking that its
// bytes are still the ones the manifest's checksum vouches for, and reads
// its first row. upn and oid are the columns of the name and the id.
func openSnapshot(m *Manifest, path string, header []byte, upn, oid int) (*snapshot, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	if sum != m.SHA256 {
		return nil, fmt.Errorf("%q is not the file its manifest describes (its bytes changed since)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s := &snapshot{m: m, f: f, rr: newRecordReader(f), upn: upn, oid: oid, escape: m.EscapeFormulas,
		quoted: make(map[string]bool, len(m.QuotedIDs))}
	for _, id := range m.QuotedIDs {
		s.quoted[id] = true
	}
	if err := s.start(header); err != nil {
		return nil, errors.Join(fmt.Errorf("reading %q: %w", path, err), s.close())
	}
	return s, nil
}

// start skips the byte order mark and the header, which must be this
// export's, and reads the first row.
func (s *snapshot) start(header []byte) error {
	if s.m.ByteOrderMark {
		bom := make([]byte, len(utf8BOM))
		if _, err := io.ReadFull(s.rr.r, bom); err != nil || string(bom) != utf8BOM {
			return fmt.Errorf("%w: the byte order mark is missing", errBadRecord)
		}
	}
	first, err := s.rr.next()
	if err != nil {
		return err
	}
	if !bytes.Equal(first, header) {
		return fmt.Errorf("%w: the header is not this export's", errBadRecord)
	}
	return s.advance()
}

// advance reads the next row.
func (s *snapshot) advance() error {
	rec, err := s.rr.next()
	if errors.Is(err, io.EOF) {
		s.ok = false
		return nil
	}
	if err != nil {
		return err
	}
	fields, err := s.split.split(rec)
	if err != nil || len(fields) <= max(s.upn, s.oid) {
		return fmt.Errorf("row %d: %w", s.rr.line, errBadRecord)
	}
	prevKey := append([]byte(nil), s.key...)
	prevID := append([]byte(nil), s.id...)
	s.id = append(s.id[:0], fields[s.oid]...)
	name := rawCell(fields[s.upn], s.escape, s.quoted[string(s.id)])
	s.key = appendLower(s.key[:0], string(name))
	s.rec = rec
	if s.ok && cmpKeyID(prevKey, prevID, s.key, s.id) >= 0 {
		return fmt.Errorf("row %d: %w: rows out of order", s.rr.line, errBadRecord)
	}
	s.ok = true
	return nil
}

// cmp orders the current row against (key, id), as the CSV is ordered.
func (s *snapshot) cmp(key, id []byte) int { return cmpKeyID(s.key, s.id, key, id) }

func cmpKeyID(k1, i1, k2, i2 []byte) int {
	if c := bytes.Compare(k1, k2); c != 0 {
		return c
	}
	return bytes.Compare(i1, i2)
}

func (s *snapshot) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// FileSHA256 is the hex SHA-256 of a file's bytes, as Result.SHA256 gives
// it for the CSV an export wrote.
func FileSHA256(path string) (string, error) { return fileSHA256(path) }

// fileSHA256 hashes a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %q: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// identityColumns finds the columns a row's name and id are read from:
// userPrincipalName, and objectId or id.
func identityColumns(cols []string) (upn, oid int, ok bool) {
	upn, oid = -1, -1
	for i, c := range cols {
		switch {
		case c == "userPrincipalName":
			upn = i
		case (c == "objectId" || c == "id") && oid < 0:
			oid = i
		}
	}
	return upn, oid, upn >= 0 && oid >= 0
}

// quotedName reports a name the formula guard would make ambiguous when read
// back: one that begins with a single quote followed by a guarded character.
func quotedName(upn string) bool {
	return strings.HasPrefix(upn, string(formulaGuard)) && needsFormulaGuard(upn[1:])
}
