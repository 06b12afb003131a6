package export

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// resultsColumns is the header of the results file, one column per field of
// directory.UserError.
func resultsColumns() []string {
	return []string{"userPrincipalName", "objectId", "operation", "status", "code", "message", "requestId"}
}

// A per-user error waits in its sorter as its fields, not as a CSV row, so
// that the first few can be handed back as values: length-prefixed strings in
// resultsColumns order, the status as a varint in its place.

func appendUserError(dst []byte, e *directory.UserError) []byte {
	dst = appendPrefixed(dst, e.UserPrincipalName)
	dst = appendPrefixed(dst, e.ObjectID)
	dst = appendPrefixed(dst, e.Operation)
	dst = binary.AppendVarint(dst, int64(e.Status))
	dst = appendPrefixed(dst, e.Code)
	dst = appendPrefixed(dst, e.Message)
	return appendPrefixed(dst, e.RequestID)
}

func appendPrefixed(dst []byte, s string) []byte {
	dst = binary.AppendVarint(dst, int64(len(s)))
	return append(dst, s...)
}

// errorFields is a decoded per-user error, its strings still in the buffer.
type errorFields struct {
	upn, objectID, operation, code, message, requestID []byte
	status                                             int64
}

var errCorruptError = errors.New("temporary per-user error record is corrupt")

func decodeUserError(p []byte) (errorFields, error) {
	var f errorFields
	var ok bool
	if f.upn, p, ok = cutPrefixed(p); !ok {
		return f, errCorruptError
	}
	if f.objectID, p, ok = cutPrefixed(p); !ok {
		return f, errCorruptError
	}
	if f.operation, p, ok = cutPrefixed(p); !ok {
		return f, errCorruptError
	}
	status, n := binary.Varint(p)
	if n <= 0 {
		return f, errCorruptError
	}
	f.status, p = status, p[n:]
	if f.code, p, ok = cutPrefixed(p); !ok {
		return f, errCorruptError
	}
	if f.message, p, ok = cutPrefixed(p); !ok {
		return f, errCorruptError
	}
	if f.requestID, p, ok = cutPrefixed(p); !ok || len(p) != 0 {
		return f, errCorruptError
	}
	return f, nil
}

func cutPrefixed(p []byte) (field, rest []byte, ok bool) {
	n, w := binary.Varint(p)
	if w <= 0 {
		return nil, nil, false
	}
	p = p[w:]
	if n < 0 || n > int64(len(p)) {
		return nil, nil, false
	}
	return p[:n:n], p[n:], true
}

func (f *errorFields) userError() directory.UserError {
	return directory.UserError{
		UserPrincipalName: string(f.upn),
		ObjectID:          string(f.objectID),
		Operation:         string(f.operation),
		Status:            int(f.status),
		Code:              string(f.code),
		Message:           string(f.message),
		RequestID:         string(f.requestID),
	}
}

// appendRow appends the results-file row. A status of 0 means Graph never
// answered: the cell is empty, like any other absent value.
func (f *errorFields) appendRow(dst, scratch []byte, escape, crlf bool) (row, scratchOut []byte) {
	scratch = scratch[:0]
	if f.status != 0 {
		scratch = strconv.AppendInt(scratch, f.status, 10)
	}
	// In resultsColumns order.
	for i, cell := range [...][]byte{f.upn, f.objectID, f.operation, scratch, f.code, f.message, f.requestID} {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCell(dst, cell, escape, crlf)
	}
	return appendLineEnd(dst, crlf), scratch
}
