package livetest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// propertyCases is how many seeds `make test` draws; LIVETEST_CASES runs
// more, LIVETEST_SEED one.
const propertyCases = 16

// TestLiveProperties draws, from each seed, a directory (generated with
// random options, or made of explicit names from every character class the
// partitioning must cope with), a churn, the Graph requests after which a
// round of it runs, the default order, the consistency lag, the client's
// concurrency and page size; then it exports the directory through the
// client while the rounds run and holds the CSV to invariants 1-4 of
// "Live directories". The inputs are the seed's; the client's concurrency
// makes the interleaving of its requests vary from run to run.
func TestLiveProperties(t *testing.T) {
	t.Parallel()
	for _, seed := range propertySeeds(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			c := drawCase(seed)
			if v := c.run(t); len(v) > 0 {
				t.Errorf("%s\n%d violations:\n%s\nrun it again with LIVETEST_SEED=%d go test -run TestLiveProperties ./internal/livetest/",
					c, len(v), report(v), seed)
			}
		})
	}
}

// propertySeeds are the seeds to run: LIVETEST_SEED alone, else
// LIVETEST_CASES (default propertyCases) seeds from 1.
func propertySeeds(t *testing.T) []uint64 {
	t.Helper()
	if v := os.Getenv("LIVETEST_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("LIVETEST_SEED=%q: %v", v, err)
		}
		return []uint64{seed}
	}
	n := propertyCases
	if v := os.Getenv("LIVETEST_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("LIVETEST_CASES=%q: want a positive number", v)
		}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

// propertyCase is what one seed draws.
type propertyCase struct {
	seed        uint64
	generate    *tenant.GenerateOptions // nil: explicit users
	users       []tenant.User
	churn       tenant.ChurnOptions
	stepAt      map[int64]bool // after these Graph requests (counted from 1), a round of churn
	order       tenant.Order
	lag         time.Duration
	concurrency int
	pageSize    int
}

func (c propertyCase) String() string {
	dir := fmt.Sprintf("%d explicit users", len(c.users))
	if c.generate != nil {
		dir = fmt.Sprintf("generated %+v", *c.generate)
	}
	return fmt.Sprintf("seed %d: %s; churn %+v at %d requests; order %s, lag %v, concurrency %d, page size %d",
		c.seed, dir, c.churn, len(c.stepAt), c.order, c.lag, c.concurrency, c.pageSize)
}

func drawCase(seed uint64) propertyCase {
	r := rand.New(rand.NewPCG(seed, 0x6c69766574657374)) //nolint:gosec // test data, reproducible by seed
	c := propertyCase{seed: seed, order: tenant.Order(r.IntN(2))}
	if r.IntN(2) == 0 {
		c.generate = &tenant.GenerateOptions{Seed: r.Int64N(1 << 40), Users: 300 + r.IntN(3000),
			SharedPrefixShare: []float64{0, 0.3, 0.6, 0.9}[r.IntN(4)], SharedPrefix: pick(r, []string{"", "a", "jim.", "zz", "s"})}
	} else {
		c.users = explicitUsers(r)
	}
	// At most 12 changes a round and up to 8 rounds, drawn to fall anywhere
	// in a small read. The first round comes within the first two requests
	// that count (the smallest read makes more), so that every case changes
	// something.
	c.churn = tenant.ChurnOptions{Creates: r.IntN(3), Deletes: r.IntN(3), Renames: 1 + r.IntN(5), Updates: r.IntN(3),
		Restores: r.IntN(2), Seed: r.Int64N(1 << 40)}
	c.stepAt = map[int64]bool{1 + r.Int64N(2): true}
	for range r.IntN(8) {
		c.stepAt[1+r.Int64N(40)] = true
	}
	c.lag = pick(r, []time.Duration{0, 0, 50 * time.Millisecond, 300 * time.Millisecond})
	c.concurrency = pick(r, []int{1, 2, 8, 0})
	c.pageSize = pick(r, []int{0, 0, 100, 250})
	return c
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// The classes of names the partitioning must cope with.
func nameClasses() []func(i int) string {
	unusual := []string{"0", "9", "_", "-", "'", "!", "#", "^", "~", "é", "ß", "Ø"}
	scripts := []string{"иван", "Ирина", "ελένη", "王伟", "محمد", "김민준", "さくら", "דוד", "ราม"}
	return []func(i int) string{
		func(i int) string { return fmt.Sprintf("jim.a%04d", i) },    // a dense cluster
		func(i int) string { return fmt.Sprintf("jim.b%d", i) },      // its neighbour
		func(i int) string { return fmt.Sprintf("s%05d.x", i) },      // a skewed first character
		func(i int) string { return fmt.Sprintf("Anna.Smith%d", i) }, // capitals
		func(i int) string { return unusual[i%len(unusual)] + "u" + strconv.Itoa(i) },
		func(i int) string { return scripts[i%len(scripts)] + "." + strconv.Itoa(i) },
		func(i int) string { return fmt.Sprintf("guest%d_fabrikam.com#EXT#", i) },
	}
}

// explicitUsers is a directory of names drawn from every class, in shares
// that differ from seed to seed, so that some classes are huge and some
// nearly empty.
func explicitUsers(r *rand.Rand) []tenant.User {
	classes := nameClasses()
	weights := make([]int, len(classes))
	total := 0
	for i := range weights {
		weights[i] = r.IntN(10) * r.IntN(10)
		total += weights[i]
	}
	if total == 0 {
		weights[0], total = 1, 1
	}
	users := make([]tenant.User, 200+r.IntN(2000))
	for i := range users {
		w := r.IntN(total)
		k := 0
		for w >= weights[k] {
			w -= weights[k]
			k++
		}
		local := classes[k](i)
		users[i] = tenant.User{UserPrincipalName: local + "@contoso.onmicrosoft.com", DisplayName: local, UserType: "Member"}
	}
	return users
}

// run exports the case's directory while it churns and returns the
// violations of the promise.
func (c propertyCase) run(t *testing.T) []string {
	t.Helper()
	tn := c.tenant(t)
	tn.SetDefaultOrder(c.order)
	tn.SetConsistencyLag(c.lag)
	srv := emutest.Start(t, tn)
	churn := emutest.Churn(t, tn, c.churn)
	url, hc := proxy(t, c.stepping(t, srv.Handler(), churn))
	client := newClient(t, srv, url, hc)
	snap, err := graphemu.TakeSnapshot(t.Context(), tn, churn)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.export(t, client)
	if err != nil {
		t.Fatalf("%s: the export failed: %v", c, err)
	}
	events := eventsAfter(churn.Stop(), snap.Seq)
	if len(events) == 0 {
		t.Fatalf("%s: no change while the export ran: the case tests nothing", c)
	}
	return emutest.CheckLive(snap.Users, events, rows)
}

func (c propertyCase) tenant(t *testing.T) *tenant.Tenant {
	t.Helper()
	if c.generate != nil {
		return emutest.Generate(t, *c.generate)
	}
	tn, err := tenant.New("contoso.onmicrosoft.com", c.users)
	if err != nil {
		t.Fatalf("seed %d: %v", c.seed, err)
	}
	return tn
}

func (c propertyCase) export(t *testing.T, client *graph.Client) ([]emutest.Exported, error) {
	t.Helper()
	path := t.TempDir() + "/users.csv"
	_, err := export.Run(t.Context(), client, directory.Query{PageSize: c.pageSize}, export.Options{OutputPath: path, Columns: listColumns()})
	if err != nil {
		return nil, err
	}
	return readExported(path)
}

// stepping runs a round of churn right after the Graph requests the case
// names have been answered: list pages, counts and the change log, the
// listing's and the reconciliation's. Behind a lag, counting starts once
// the client has taken its link to the change log: a change made earlier,
// inside the lag, is what README's "Live directories" says the export can
// miss (see TestExportUnderChurn).
func (c propertyCase) stepping(t *testing.T, next http.Handler, churn *tenant.Churn) http.Handler {
	t.Helper()
	var (
		requests atomic.Int64
		linked   atomic.Bool
		mu       sync.Mutex // one round at a time, in request order
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		graphRequest := strings.Contains(r.URL.Path, "/users")
		if strings.HasSuffix(r.URL.Path, "/users/delta") {
			linked.Store(true)
		}
		if !graphRequest || (c.lag > 0 && !linked.Load()) || !c.stepAt[requests.Add(1)] {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err := churn.Step(); err != nil {
			t.Errorf("seed %d: churn: %v", c.seed, err)
		}
	})
}
