package emutest

import (
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

const (
	idA = "aaaaaaaa-0000-4000-8000-000000000001"
	idB = "bbbbbbbb-0000-4000-8000-000000000002"
	idC = "cccccccc-0000-4000-8000-000000000003"
	idD = "dddddddd-0000-4000-8000-000000000004"
)

func ev(seq uint64, kind tenant.EventKind, id, oldUPN, newUPN string) tenant.Event {
	return tenant.Event{Seq: seq, Kind: kind, ID: id, OldUPN: oldUPN, NewUPN: newUPN}
}

func rows(kv ...string) []Exported {
	var out []Exported
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Exported{ID: kv[i], UPN: kv[i+1]})
	}
	return out
}

func TestCheckLive(t *testing.T) {
	t.Parallel()
	before := map[string]string{idA: "anna@x", idB: "bob@x"}
	renameB := []tenant.Event{ev(1, tenant.EventRenamed, idB, "bob@x", "zed@x")}
	createC := []tenant.Event{ev(1, tenant.EventCreated, idC, "", "cleo@x")}
	deleteB := []tenant.Event{ev(1, tenant.EventSoftDeleted, idB, "bob@x", "")}
	cases := []struct {
		name   string
		events []tenant.Event
		rows   []Exported
		want   []string // a substring of each violation, in order
	}{
		{"still directory", nil, rows(idA, "anna@x", idB, "bob@x"), nil},
		{"ids and names in other case", nil, rows(strings.ToUpper(idA), "Anna@X", idB, "bob@x"), nil},
		{"a stable user missing", nil, rows(idA, "anna@x"), []string{"user " + idB + " (bob@x) lived through the whole export but is missing"}},
		{"a stable user twice", nil, rows(idA, "anna@x", idB, "bob@x", idA, "anna@x"), []string{"object id " + idA + " appears 2 times"}},
		{"renamed, under the new name", renameB, rows(idA, "anna@x", idB, "zed@x"), nil},
		{"renamed, under the old name", renameB, rows(idA, "anna@x", idB, "bob@x"), nil},
		{"renamed, missing", renameB, rows(idA, "anna@x"), []string{"renamed during the export (bob@x -> zed@x), is missing"}},
		{"renamed, under both names", renameB, rows(idA, "anna@x", idB, "bob@x", idB, "zed@x"), []string{"appears 2 times (as bob@x, zed@x)"}},
		{"updated, still the same user", []tenant.Event{ev(1, tenant.EventUpdated, idA, "anna@x", "anna@x")}, rows(idA, "anna@x"),
			[]string{"user " + idB}},
		{"created, absent", createC, rows(idA, "anna@x", idB, "bob@x"), nil},
		{"created, once", createC, rows(idA, "anna@x", idB, "bob@x", idC, "cleo@x"), nil},
		{"created, twice", createC, rows(idA, "anna@x", idB, "bob@x", idC, "cleo@x", idC, "cleo@x"), []string{"object id " + idC + " appears 2 times"}},
		{"deleted, absent", deleteB, rows(idA, "anna@x"), nil},
		{"deleted, once", deleteB, rows(idA, "anna@x", idB, "bob@x"), nil},
		{"hard-deleted, absent", []tenant.Event{ev(1, tenant.EventHardDeleted, idB, "bob@x", "")}, rows(idA, "anna@x"), nil},
		{"deleted and restored, absent", append(deleteB, ev(2, tenant.EventRestored, idB, "", "bob@x")), rows(idA, "anna@x"), nil},
		{"restored from before the export, once", []tenant.Event{ev(1, tenant.EventRestored, idD, "", "dora@x")},
			rows(idA, "anna@x", idB, "bob@x", idD, "dora@x"), nil},
		{"purged from deleted items, yet exported", []tenant.Event{ev(1, tenant.EventHardDeleted, idD, "dora@x", "")},
			rows(idA, "anna@x", idB, "bob@x", idD, "dora@x"), []string{"object id " + idD + " (dora@x) was not a live user"}},
		{"a user that never existed", nil, rows(idA, "anna@x", idB, "bob@x", idC, "cleo@x"), []string{"object id " + idC + " (cleo@x) was not a live user"}},
		{"a name the user never held", nil, rows(idA, "anna@x", idB, "robert@x"), []string{`exported as "robert@x", a name it did not hold`}},
		{"a name held only after deletion", append(deleteB, ev(2, tenant.EventCreated, idC, "", "bob@x")), rows(idA, "anna@x", idC, "bob@x"), nil},
		{"a row without id", nil, rows(idA, "anna@x", idB, "bob@x", " ", "ghost@x"), []string{`row 3 ("ghost@x") has no object id`}},
		{"events out of order", []tenant.Event{ev(2, tenant.EventRenamed, idB, "bo@x", "zed@x"), ev(1, tenant.EventRenamed, idB, "bob@x", "bo@x")},
			rows(idA, "anna@x", idB, "bo@x"), nil},
		{"created then renamed, under the first name", []tenant.Event{
			ev(1, tenant.EventCreated, idC, "", "cleo@x"), ev(2, tenant.EventRenamed, idC, "cleo@x", "cloe@x"),
		}, rows(idA, "anna@x", idB, "bob@x", idC, "cleo@x"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := CheckLive(before, c.events, c.rows)
			if len(got) != len(c.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %q does not say %q", got[i], w)
				}
			}
		})
	}
}

func TestCheckLiveReportsEveryViolation(t *testing.T) {
	t.Parallel()
	before := map[string]string{idA: "anna@x", idB: "bob@x", idC: "cleo@x"}
	got := CheckLive(before, nil, rows(idA, "anna@x", idA, "anna@x", idD, "dora@x"))
	if len(got) != 4 {
		t.Fatalf("want a duplicate, an unknown id and two missing users:\n%s", strings.Join(got, "\n"))
	}
}
