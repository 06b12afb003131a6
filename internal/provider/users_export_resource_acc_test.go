package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

const managed = "aad_users_export.test"

// The managed resource through the real CLI: create writes the files; a
// plan with nothing changed is empty and costs one Graph request; churn in
// the directory makes the next plan show an update with the pending count,
// and the apply writes the new file and the changes report; a deleted file
// is written again; triggers export again; destroy removes the files it
// wrote and nothing else; no plan writes a file.
func TestAccUsersExportResource(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, 3000)
	srv := startEmulator(t, graphemu.Config{Tenant: ten})
	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	changes := filepath.Join(dir, "changes.csv")
	report := filepath.Join(dir, "report.html")
	foreign := filepath.Join(dir, "keep-me.txt")
	mustDo(t, os.WriteFile(foreign, []byte("not the export's"), 0o600))
	config := func(trigger string) string {
		return secretProvider(srv, nil) + block(`resource "aad_users_export" "test"`, map[string]string{
			"output_path": hcl(out), "incremental": "true", "changes_path": hcl(changes), "report_path": hcl(report),
			"columns":  hclList("userPrincipalName", "objectId", "displayName", "department", "accountEnabled"),
			"triggers": fmt.Sprintf("{ run = %s }", hcl(trigger)),
		})
	}
	files := []string{out, out + ".manifest.json", changes, report}
	users := usersOf(ten)
	var refresh requestCount
	var stamp modTimes

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		CheckDestroy: func(*terraform.State) error {
			for _, f := range files {
				if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%s survived destroy (%w)", f, err)
				}
			}
			if _, err := os.Stat(foreign); err != nil {
				return fmt.Errorf("destroy removed a file it did not write: %w", err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("mode"), knownvalue.StringExact("full")),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("user_count"), knownvalue.Int64Exact(3000)),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("pending_changes"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("sha256"), knownvalue.StringFunc(sha256OfFile(out))),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("id"), knownvalue.StringExact(out)),
				},
				Check: resource.ComposeTestCheckFunc(checkPrivateFile(out), checkPrivateFile(report), stamp.record(files...)),
			},
			{
				// Nothing changed: the plan is empty, its refresh asks Graph
				// once, and no file is touched.
				PreConfig: func() { refresh.start(srv) },
				Config:    config("1"),
				PlanOnly:  true,
				Check:     resource.ComposeTestCheckFunc(refresh.atMost(srv, 3), stamp.unchanged(files...)),
			},
			{
				// The directory changed: the plan shows an update with the
				// pending count, and writes nothing.
				PreConfig: func() {
					mustDo(t, ten.Update(users[5].ID, func(u *tenant.User) { u.Department = "Internal Audit" }))
					mustDo(t, ten.Update(users[6].ID, func(u *tenant.User) { u.UserPrincipalName = "aaa.renamed@" + ten.Domain() }))
					mustDo(t, ten.SoftDelete(users[7].ID))
				},
				Config: config("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(managed, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(managed, tfjsonpath.New("sha256")),
					priorValue(managed, "pending_changes", 3),
					stamp.unchangedInPlan(files...),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("mode"), knownvalue.StringExact("incremental")),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("changed_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("removed_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("pending_changes"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("sha256"), knownvalue.StringFunc(sha256OfFile(out))),
				},
				Check: fileHolds(changes, users[6].ID+",aaa.renamed@", users[7].ID+","+users[7].UserPrincipalName+",removed"),
			},
			{
				// The file was deleted: it is written again.
				PreConfig: func() { mustDo(t, os.Remove(out)) },
				Config:    config("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(managed, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(managed, tfjsonpath.New("sha256"), knownvalue.StringFunc(sha256OfFile(out))),
				},
			},
			{
				// A trigger changed: the export runs although nothing else did.
				PreConfig: func() { _ = stamp.record(out + ".manifest.json")(nil) },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(managed, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(stamp.rewritten(out+".manifest.json"), fileHolds(out+".manifest.json", `"mode": "incremental"`)),
			},
		},
	})
}

// priorValue checks an attribute of a resource's prior state in the plan:
// what the refresh found.
func priorValue(addr, attr string, want any) plancheck.PlanCheck { return priorCheck{addr, attr, want} }

type priorCheck struct {
	addr, attr string
	want       any
}

func (c priorCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		if got := before[c.attr]; fmt.Sprint(got) != fmt.Sprint(c.want) {
			resp.Error = fmt.Errorf("%s.%s was %v before the plan, want %v", c.addr, c.attr, got, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("no change for %s in the plan", c.addr)
}

// requestCount measures the Graph requests (tokens aside) of one step.
type requestCount struct{ before int }

func (r *requestCount) start(srv *graphemu.Server) { r.before = graphRequestCount(srv.Counters()) }

func (r *requestCount) atMost(srv *graphemu.Server, most int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := graphRequestCount(srv.Counters()) - r.before; n > most || n == 0 {
			return fmt.Errorf("a refresh of a directory that held still cost %d Graph requests, want 1 to %d", n, most)
		}
		return nil
	}
}

func graphRequestCount(c graphemu.Counters) int {
	n := 0
	for e := range c.Requests {
		if e != graphemu.EndpointToken && e != graphemu.EndpointDiscovery {
			n += c.Total(e)
		}
	}
	return n
}

// modTimes remembers files' modification times, to prove a step wrote none.
type modTimes struct {
	mu   sync.Mutex
	seen map[string]string
}

func (m *modTimes) stamp(f string) string {
	fi, err := os.Stat(f)
	if err != nil {
		return "absent"
	}
	return fi.ModTime().String() + "/" + fmt.Sprint(fi.Size())
}

func (m *modTimes) record(files ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.seen == nil {
			m.seen = map[string]string{}
		}
		for _, f := range files {
			m.seen[f] = m.stamp(f)
		}
		return nil
	}
}

func (m *modTimes) changed(files []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range files {
		if now := m.stamp(f); now != m.seen[f] {
			return fmt.Errorf("%s changed (%s, was %s): a plan must write nothing", f, now, m.seen[f])
		}
	}
	return nil
}

func (m *modTimes) rewritten(files ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if m.changed(files) == nil {
			return fmt.Errorf("%v not written again", files)
		}
		return nil
	}
}

func (m *modTimes) unchanged(files ...string) resource.TestCheckFunc {
	return func(*terraform.State) error { return m.changed(files) }
}

func (m *modTimes) unchangedInPlan(files ...string) plancheck.PlanCheck { return planFiles{m, files} }

type planFiles struct {
	m     *modTimes
	files []string
}

func (p planFiles) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = p.m.changed(p.files)
}

// fileHolds checks a written file for texts.
func fileHolds(path string, texts ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, want := range texts {
			if !strings.Contains(string(b), want) {
				return fmt.Errorf("%s holds no %q:\n%s", path, want, b)
			}
		}
		return nil
	}
}
