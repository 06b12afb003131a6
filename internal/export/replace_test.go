package export

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// replacingSource delivers its users as fakeSource does, then reconciles the
// read as the Graph client does after following the directory's change log:
// each round of Replace calls names users and gives their current rows.
type replacingSource struct {
	fakeSource
	rounds []replaceRound
}

type replaceRound struct {
	ids     []string
	current []directory.User
}

func (r *replacingSource) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	if err := r.fakeSource.Users(ctx, q, sink); err != nil {
		return err
	}
	for _, round := range r.rounds {
		current := make([]directory.User, len(round.current))
		for i := range round.current {
			current[i] = selectOnly(round.current[i], q)
		}
		if err := sink.Replace(ctx, round.ids, current); err != nil {
			return fmt.Errorf("replacing: %w", err)
		}
	}
	return nil
}

// A reconciled read writes exactly the bytes of a read of the directory as
// it stands after the changes: renamed users once under their new name,
// deleted ones not at all, a user replaced twice as the latest round says,
// whether the rows are sorted in memory or spilled and merged.
func TestRunReplace(t *testing.T) {
	t.Parallel()
	base := append(generatedUsers(400, 3), awkwardUsers()...)
	renamed := base[10]
	renamed.UserPrincipalName = "zz.renamed@contoso.com"
	sameName := base[20]
	sameName.DisplayName = "Changed In Place"
	twiceFirst, twiceLast := base[30], base[30]
	twiceFirst.UserPrincipalName = "aa.first@contoso.com"
	twiceLast.UserPrincipalName = "mm.last@contoso.com"
	added := generatedUsers(1, 99)[0]
	added.ID = "00000000-0000-4000-8000-0000000000aa"
	added.UserPrincipalName = "new.hire@contoso.com"
	deleted := base[40]

	rounds := []replaceRound{
		{ids: []string{renamed.ID, sameName.ID}, current: []directory.User{renamed, sameName}},
		{ids: []string{twiceFirst.ID, deleted.ID}, current: []directory.User{twiceFirst}},
		{ids: []string{twiceLast.ID, added.ID}, current: []directory.User{twiceLast, added}},
	}
	final := make([]directory.User, 0, len(base))
	for i := range base {
		switch base[i].ID {
		case renamed.ID, sameName.ID, twiceLast.ID, deleted.ID:
			continue
		}
		final = append(final, base[i])
	}
	final = append(final, renamed, sameName, twiceLast, added)

	for _, sortMemory := range []int64{0, 1 << 10} {
		t.Run(fmt.Sprint("sortMemory=", sortMemory), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			want := Options{OutputPath: filepath.Join(dir, "want.csv"), EscapeFormulas: true, SortMemory: sortMemory}
			wantRes, err := Run(t.Context(), &fakeSource{users: final, batch: 7, workers: 3, seed: 2}, directory.Query{}, want)
			if err != nil {
				t.Fatalf("Run (the directory after the changes): %v", err)
			}
			got := want
			got.OutputPath = filepath.Join(dir, "got.csv")
			src := &replacingSource{fakeSource: fakeSource{users: base, batch: 9, workers: 4, seed: 5}, rounds: rounds}
			res, err := Run(t.Context(), src, directory.Query{}, got)
			if err != nil {
				t.Fatalf("Run (reconciled): %v", err)
			}
			if !bytes.Equal(readFile(t, got.OutputPath), readFile(t, want.OutputPath)) {
				t.Errorf("the reconciled file differs from an export of the changed directory")
			}
			if res.Users != wantRes.Users || res.SHA256 != wantRes.SHA256 {
				t.Errorf("Result %d users %s, want %d users %s", res.Users, res.SHA256, wantRes.Users, wantRes.SHA256)
			}
		})
	}
}
