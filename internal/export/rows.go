package export

import "github.com/aad-export/terraform-provider-aad/internal/directory"

// rowEncoder turns users into CSV rows. It is read-only once built, so every
// goroutine delivering users shares it.
type rowEncoder struct {
	cols   []*column
	escape bool // formula escaping
	crlf   bool
}

// appendRow appends the user's row, line ending included. scratch is a
// buffer for cells assembled from parts; the possibly grown scratch is
// returned for reuse.
func (e *rowEncoder) appendRow(dst, scratch []byte, u *directory.User) (row, scratchOut []byte) {
	start := len(dst)
	for i, c := range e.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		if c.text != nil {
			dst = appendCell(dst, c.text(u), e.escape, e.crlf)
			continue
		}
		scratch = c.appendTo(scratch[:0], u)
		dst = appendCell(dst, scratch, e.escape, e.crlf)
	}
	return endRecord(dst, start, len(e.cols), e.crlf), scratch
}

// header is the first row: the column names as configured.
func (e *rowEncoder) header() []byte {
	names := make([]string, len(e.cols))
	for i, c := range e.cols {
		names[i] = c.name
	}
	return encodeRecord(names, e.crlf)
}

// batch is one delivery of users being encoded: each user becomes an entry
// (sort key, id, row) laid out in buf. It is pooled, so that steady state
// allocates nothing per user.
type batch struct {
	buf     []byte
	scratch []byte
	spans   []span
	ents    []entry
	quoted  []string // ids of users whose names read back ambiguously (quotedName)
}

// span records where an entry lies in buf while buf may still move.
type span struct{ start, klen, ilen, end int }

// avgRowGuess sizes a fresh buffer so that it rarely needs to grow.
const avgRowGuess = 512

func (b *batch) encode(enc *rowEncoder, users []directory.User) {
	if b.buf == nil {
		b.buf = make([]byte, 0, len(users)*avgRowGuess)
	}
	b.buf, b.spans, b.ents, b.quoted = b.buf[:0], b.spans[:0], b.ents[:0], b.quoted[:0]
	for i := range users {
		u := &users[i]
		if enc.escape && quotedName(u.UserPrincipalName) {
			b.quoted = append(b.quoted, u.ID)
		}
		start := len(b.buf)
		b.buf = appendLower(b.buf, u.UserPrincipalName)
		klen := len(b.buf) - start
		b.buf = append(b.buf, u.ID...)
		b.buf, b.scratch = enc.appendRow(b.buf, b.scratch, u)
		b.spans = append(b.spans, span{start: start, klen: klen, ilen: len(u.ID), end: len(b.buf)})
	}
	for _, s := range b.spans {
		b.ents = append(b.ents, entry{data: b.buf[s.start:s.end:s.end], klen: s.klen, ilen: s.ilen})
	}
}
