package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
)

// The changes report: what changed between the previous snapshot and this
// one, one row per changed cell and one per added or removed user, sorted
// like the CSV (by the user's current name, or its last for a removed one).
//
// Rows of the two snapshots are compared as they pass in the final merge.
// A user whose row has the same name in both is compared on the spot; the
// others (added, removed, renamed) wait in a sorter keyed by object id, old
// beside new, and are paired once the merge is over. The change rows wait
// in a sorter of their own, in the report's order. Both sorters spill like
// the CSV's, so the report costs no more memory than the export.

// changesColumns is the header of the changes report.
func changesColumns() []string {
	return []string{"objectId", "userPrincipalName", "change", "column", "old", "new"}
}

// The kinds of change, as the report's third column names them.
const (
	changeAdded   = "added"
	changeRemoved = "removed"
	changeChanged = "changed"
)

// Which snapshot an unpaired row comes from, as its sort id: old first.
const (
	sideOld byte = 0
	sideNew byte = 1
)

// differ builds the changes report while the final merge runs.
type differ struct {
	cols     []string
	upn, oid int // the columns holding the name and the object id
	crlf     bool

	unpaired *sorter // rows of one snapshot only so far, by object id
	changes  *sorter // the report's rows, in its order

	added, removed, changed int

	a, b fieldSplitter
	buf  []byte
}

func newDiffer(cols []string, upn, oid int, crlf bool, unpaired, changes *sorter) *differ {
	return &differ{cols: cols, upn: upn, oid: oid, crlf: crlf, unpaired: unpaired, changes: changes}
}

// same compares the rows of one user found under the same name in both
// snapshots.
func (d *differ) same(key, oldRec, newRec []byte) error {
	if bytes.Equal(oldRec, newRec) {
		return nil
	}
	return d.compare(key, oldRec, newRec)
}

// old and new hold a row found in one snapshot only so far.
func (d *differ) old(key, id, rec []byte) error { return d.park(sideOld, key, id, rec) }
func (d *differ) new(key, id, rec []byte) error { return d.park(sideNew, key, id, rec) }

func (d *differ) park(side byte, key, id, rec []byte) error {
	b := binary.AppendUvarint(nil, uint64(len(key)))
	b = append(b, key...)
	b = append(b, rec...)
	data := make([]byte, 0, len(id)+1+len(b))
	data = append(data, id...)
	data = append(data, side)
	data = append(data, b...)
	_, err := d.unpaired.add(data, []entry{{data: data, klen: len(id), ilen: 1}})
	return err
}

// finish pairs the rows of users found in one snapshot each: a user in both
// was renamed (compared cell by cell), in the old only removed, in the new
// only added.
func (d *differ) finish(ctx context.Context) error {
	var held *parked
	flush := func() error {
		if held == nil {
			return nil
		}
		p := held
		held = nil
		if p.side == sideOld {
			d.removed++
			return d.whole(changeRemoved, p.key, p.rec)
		}
		d.added++
		return d.whole(changeAdded, p.key, p.rec)
	}
	err := d.unpaired.finish(ctx, func(e *entry) error {
		p, err := unpark(e)
		if err != nil {
			return err
		}
		if held != nil && bytes.Equal(held.id, p.id) && held.side == sideOld && p.side == sideNew {
			old := held
			held = nil
			if bytes.Equal(old.rec, p.rec) {
				return nil
			}
			return d.compare(p.key, old.rec, p.rec)
		}
		if err := flush(); err != nil {
			return err
		}
		held = p.clone()
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// parked is a row waiting to be paired.
type parked struct {
	id, key, rec []byte
	side         byte
}

func unpark(e *entry) (*parked, error) {
	side, p := e.id(), e.payload()
	n, w := binary.Uvarint(p)
	if len(side) != 1 || w <= 0 || n > uint64(len(p)-w) { //nolint:gosec // w <= len(p): no overflow
		return nil, errCorruptRun
	}
	k := w + int(n) //nolint:gosec // n <= len(p)-w, checked above
	return &parked{id: e.key(), side: side[0], key: p[w:k], rec: p[k:]}, nil
}

// clone copies p out of the sorter's buffer, which the next row reuses.
func (p *parked) clone() *parked {
	return &parked{id: bytes.Clone(p.id), side: p.side, key: bytes.Clone(p.key), rec: bytes.Clone(p.rec)}
}

// compare reports the cells that differ between two rows of one user.
func (d *differ) compare(key, oldRec, newRec []byte) error {
	olds, err := d.a.split(oldRec)
	if err != nil {
		return err
	}
	news, err := d.b.split(newRec)
	if err != nil {
		return err
	}
	if len(olds) != len(d.cols) || len(news) != len(d.cols) {
		return errBadRecord
	}
	changed := false
	for i, col := range d.cols {
		if bytes.Equal(olds[i], news[i]) {
			continue
		}
		changed = true
		if err := d.emit(key, news, i+1, changeChanged, col, olds[i], news[i]); err != nil {
			return err
		}
	}
	if changed {
		d.changed++
	}
	return nil
}

// whole reports a user added or removed, with the row it has or had.
func (d *differ) whole(kind string, key, rec []byte) error {
	fields, err := d.a.split(rec)
	if err != nil {
		return err
	}
	if len(fields) != len(d.cols) {
		return errBadRecord
	}
	return d.emit(key, fields, 0, kind, "", nil, nil)
}

// emit queues one row of the report, sorted by the user's name and id, then
// by column (0 for a whole user). The cells are the CSV's own, formula guard
// included, so they are only quoted here.
func (d *differ) emit(key []byte, fields [][]byte, col int, kind, column string, oldCell, newCell []byte) error {
	id := fields[d.oid]
	b := d.buf[:0]
	b = append(b, key...)
	b = append(b, id...)
	b = binary.BigEndian.AppendUint16(b, uint16(col)) //nolint:gosec // a column index: validate allows at most maxColumns
	start := len(b)
	for i, cell := range [][]byte{id, fields[d.upn], []byte(kind), []byte(column), oldCell, newCell} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, cell, d.crlf)
	}
	b = appendLineEnd(b, d.crlf)
	data := bytes.Clone(b)
	d.buf = b[:0]
	_, err := d.changes.add(data, []entry{{data: data, klen: len(key), ilen: start - len(key)}})
	return err
}

// counts are the report's totals: users added, removed and changed.
func (d *differ) counts() (added, removed, changed int) { return d.added, d.removed, d.changed }

var errNoIdentity = errors.New("the changes report and incremental snapshots need the userPrincipalName and objectId (or id) columns")
