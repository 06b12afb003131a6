package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Reading back the files this package wrote: an incremental run copies the
// rows of the previous CSV that did not change as they are, and the changes
// report compares rows cell by cell. Only the export's own dialect is read
// (RFC 4180 quoting, LF or CRLF records, a lone CR kept inside quotes); the
// file has been checked against its manifest's checksum first, so a record
// that does not parse is corruption, not a dialect to guess at.

// errBadRecord: a record of a previous file does not parse.
var errBadRecord = errors.New("malformed CSV record")

// recordReader yields the records of a CSV one by one, each as the bytes
// written, line ending included.
type recordReader struct {
	r    *bufio.Reader
	buf  []byte
	line int // records read, for errors
}

func newRecordReader(r io.Reader) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the following record (valid until the next call), or io.EOF.
// A record ends at a line feed outside quotes.
func (rr *recordReader) next() ([]byte, error) {
	rr.buf = rr.buf[:0]
	quoted := false
	for {
		chunk, err := rr.r.ReadSlice('\n')
		rr.buf = append(rr.buf, chunk...)
		if err == nil {
			quoted = quoted != (bytes.Count(chunk, []byte{'"'})%2 == 1)
			if !quoted {
				rr.line++
				return rr.buf, nil
			}
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			quoted = quoted != (bytes.Count(chunk, []byte{'"'})%2 == 1)
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(rr.buf) == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("record %d: %w: the file ends inside a record", rr.line+1, errBadRecord)
		}
		return nil, err
	}
}

// fieldSplitter splits records into their fields, unquoted, reusing its
// buffers from one record to the next: the final merge splits every row
// when a report is written.
type fieldSplitter struct {
	fields  [][]byte
	scratch []byte // unquoted fields, which may not point into the record
	spans   [][2]int
	which   []int
}

// split returns the fields of one record, valid until the next call.
// Fields that needed no unquoting point into rec; the others into the
// splitter's own buffer.
func (f *fieldSplitter) split(rec []byte) ([][]byte, error) {
	rec = trimLineEnd(rec)
	f.fields, f.scratch, f.spans, f.which = f.fields[:0], f.scratch[:0], f.spans[:0], f.which[:0]
	for i := 0; ; {
		var err error
		if i < len(rec) && rec[i] == '"' {
			// Recorded as offsets first: scratch may move as it grows.
			start := len(f.scratch)
			if i, err = f.unquote(rec, i); err != nil {
				return nil, err
			}
			f.which = append(f.which, len(f.fields))
			f.spans = append(f.spans, [2]int{start, len(f.scratch)})
			f.fields = append(f.fields, nil)
		} else {
			k := bytes.IndexByte(rec[i:], ',')
			if k < 0 {
				k = len(rec) - i
			}
			if bytes.IndexByte(rec[i:i+k], '"') >= 0 {
				return nil, errBadRecord
			}
			f.fields = append(f.fields, rec[i:i+k:i+k])
			i += k
		}
		if i == len(rec) {
			break
		}
		if rec[i] != ',' {
			return nil, errBadRecord
		}
		i++
		if i == len(rec) {
			f.fields = append(f.fields, rec[i:i])
			break
		}
	}
	for n, idx := range f.which {
		s := f.spans[n]
		f.fields[idx] = f.scratch[s[0]:s[1]:s[1]]
	}
	return f.fields, nil
}

// unquote appends the body of the quoted field at rec[i] to scratch and
// returns the index after its closing quote.
func (f *fieldSplitter) unquote(rec []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(rec[j:], '"')
		if k < 0 {
			return 0, errBadRecord
		}
		f.scratch = append(f.scratch, rec[j:j+k]...)
		j += k + 1
		if j < len(rec) && rec[j] == '"' {
			f.scratch = append(f.scratch, '"')
			j++
			continue
		}
		return j, nil
	}
}

// trimLineEnd drops a record's LF or CRLF.
func trimLineEnd(rec []byte) []byte {
	rec = bytes.TrimSuffix(rec, []byte{'\n'})
	return bytes.TrimSuffix(rec, []byte{'\r'})
}

// rawCell undoes the formula guard of a cell the export wrote with escape
// set: the value Graph sent. The guard makes "'-x" of "-x", and a value
// that is "'-x" itself is written as it is, so the two read back alike;
// ambiguous says which reading is right (see Manifest.QuotedIDs).
func rawCell(cell []byte, escape, ambiguous bool) []byte {
	if escape && !ambiguous && len(cell) > 1 && cell[0] == formulaGuard && needsFormulaGuard(cell[1:]) {
		return cell[1:]
	}
	return cell
}
