package export

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

func TestUserErrorRecordRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range append(awkwardErrors(), directory.UserError{}, directory.UserError{Status: -1}) {
		f, err := decodeUserError(appendUserError(nil, &e))
		if err != nil {
			t.Fatalf("decoding %+v: %v", e, err)
		}
		if diff := cmp.Diff(e, f.userError()); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeUserErrorRejectsTruncated(t *testing.T) {
	t.Parallel()
	e := awkwardErrors()[0]
	rec := appendUserError(nil, &e)
	for n := range rec {
		if _, err := decodeUserError(rec[:n]); err == nil {
			t.Errorf("a record cut at %d of %d bytes decodes", n, len(rec))
		}
	}
	if _, err := decodeUserError(append(rec, 0)); err == nil {
		t.Error("a record with trailing bytes decodes")
	}
}

// FuzzUserErrorRecord: every error survives the round trip through its
// temporary record, and arbitrary bytes never make the decoder panic.
func FuzzUserErrorRecord(f *testing.F) {
	f.Add("a@b", "id", "lookupUser", 404, "code", "msg\n", "rid", []byte{1, 'a'})
	f.Add("", "", "", 0, "", "", "", []byte{})
	f.Fuzz(func(t *testing.T, upn, id, op string, status int, code, msg, rid string, junk []byte) {
		e := directory.UserError{UserPrincipalName: upn, ObjectID: id, Operation: op, Status: status, Code: code, Message: msg, RequestID: rid}
		f, err := decodeUserError(appendUserError(nil, &e))
		if err != nil {
			t.Fatalf("decoding %+v: %v", e, err)
		}
		if got := f.userError(); got != e {
			t.Fatalf("round trip: got %+v, want %+v", got, e)
		}
		_, _ = decodeUserError(junk)
	})
}
