package graph

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Directory extension attributes arrive with each user, whether the users
// are listed or looked up one by one, exactly as the tenant holds them, and
// absent where the user has none.
func TestExtensionAttributes(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 38, Users: 1500})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	ext := []string{tenant.ExtensionCostCentre, tenant.ExtensionSkills, tenant.ExtensionBadgeNumber}
	all := pick(tn, 1<<30, func(tenant.User) bool { return true })
	byID := make(map[string]tenant.User, len(all))
	for _, u := range all {
		byID[strings.ToLower(u.ID)] = u
	}

	explicit := directory.Query{Select: append(listColumns(), ext...)}
	for _, u := range all[:200] {
		explicit.ObjectIDs = append(explicit.ObjectIDs, u.ID)
	}
	for name, q := range map[string]directory.Query{
		"listed":   {Select: append(listColumns(), ext...)},
		"explicit": explicit,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var sink collector
			if err := c.Users(t.Context(), q, &sink); err != nil {
				t.Fatal(err)
			}
			withValues := 0
			for _, got := range sink.users {
				want := byID[strings.ToLower(got.ID)]
				withValues += min(len(want.Extensions), 1)
				checkExtensions(t, got, want, ext)
			}
			if withValues == 0 {
				t.Fatal("no user has extension values: the test proves nothing")
			}
		})
	}
}

// checkExtensions compares the extension values delivered for one user with
// the tenant's, as JSON.
func checkExtensions(t *testing.T, got directory.User, want tenant.User, ext []string) {
	t.Helper()
	for _, name := range ext {
		v, has := want.Extensions[name]
		raw, delivered := got.Extensions[name]
		if has != delivered {
			t.Errorf("user %s: %s delivered %v, held %v", got.ID, name, delivered, has)
			continue
		}
		if !has {
			continue
		}
		wantJSON, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			t.Fatalf("user %s: %s is not JSON: %v", got.ID, name, err)
		}
		if !bytes.Equal(compact.Bytes(), wantJSON) {
			t.Errorf("user %s: %s = %s, want %s", got.ID, name, compact.Bytes(), wantJSON)
		}
	}
}
