package tenant

import (
	"crypto/sha256"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func digest(t *testing.T, tn *Tenant) [32]byte {
	t.Helper()
	h := sha256.New()
	for u := range tn.Users() {
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := digest(t, generated(t, 3000, 0.3)), digest(t, generated(t, 3000, 0.3))
	if a != b {
		t.Fatal("the same options gave different tenants")
	}
	other, err := Generate(GenerateOptions{Seed: 43, Users: 3000, SharedPrefixShare: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, other) == a {
		t.Fatal("another seed gave the same tenant")
	}
}

// TestGeneratePiecewiseDerivation checks that deriving only some groups
// yields the same values as deriving all of them: queries rely on it.
func TestGeneratePiecewiseDerivation(t *testing.T) {
	t.Parallel()
	tn := generated(t, 500, 0.2)
	d := newDeriver()
	for i := range uint32(500) {
		var all, part User
		tn.gen.derive(i, gAll, &all, d)
		all = all.clone()
		tn.gen.derive(i, gCore|gOnPrem, &part, d)
		if all.UserPrincipalName != part.UserPrincipalName || all.ID != part.ID || all.Mail != part.Mail ||
			all.OnPremisesImmutableID != part.OnPremisesImmutableID || strings.Join(all.OtherMails, ",") != strings.Join(part.OtherMails, ",") {
			t.Fatalf("user %d differs when derived piecewise:\n%+v\n%+v", i, all, part)
		}
		if part.JobTitle != "" || part.Phones != nil {
			t.Fatalf("user %d: groups not asked for were derived", i)
		}
	}
}

// TestGenerateVariety checks that a synthetic tenant holds every case the
// issue lists.
func TestGenerateVariety(t *testing.T) {
	t.Parallel()
	tn := generated(t, 20000, 0)
	inScript := func(tab *unicode.RangeTable) func(User) bool {
		return func(u User) bool {
			return strings.ContainsFunc(u.DisplayName, func(r rune) bool { return unicode.Is(tab, r) })
		}
	}
	startsWith := func(prefix string) func(User) bool {
		return func(u User) bool { return strings.HasPrefix(u.UserPrincipalName, prefix) }
	}
	phones := func(n int) func(User) bool { return func(u User) bool { return len(u.Phones) == n } }
	anyValue := func(pred func(string) bool) func(User) bool {
		return func(u User) bool {
			for _, v := range []string{u.DisplayName, u.Department, u.JobTitle, u.CompanyName, u.StreetAddress, u.OfficeLocation} {
				if pred(v) {
					return true
				}
			}
			return false
		}
	}
	cases := map[string]func(User) bool{
		"accented Latin":   func(u User) bool { return strings.ContainsAny(u.DisplayName, "éèçøåñüöłž") },
		"Han":              inScript(unicode.Han),
		"Cyrillic":         inScript(unicode.Cyrillic),
		"Arabic":           inScript(unicode.Arabic),
		"guest":            func(u User) bool { return u.UserType == "Guest" && strings.Contains(u.UserPrincipalName, "#EXT#@") },
		"pending guest":    func(u User) bool { return u.ExternalUserState == "PendingAcceptance" },
		"disabled":         func(u User) bool { return u.AccountEnabled != nil && !*u.AccountEnabled },
		"minor granted":    func(u User) bool { return u.AgeGroup == "Minor" && u.ConsentProvidedForMinor == "Granted" },
		"minor WithOut":    func(u User) bool { return u.LegalAgeGroupClassification == "MinorWithOutParentalConsent" },
		"minor Without":    func(u User) bool { return u.LegalAgeGroupClassification == "MinorWithoutParentalConsent" },
		"no givenName":     func(u User) bool { return u.GivenName == "" },
		"no mail":          func(u User) bool { return u.Mail == "" },
		"3 otherMails":     func(u User) bool { return len(u.OtherMails) == 3 },
		"no phone method":  phones(0),
		"3 phone methods":  phones(3),
		"email method":     func(u User) bool { return u.Email != "" },
		"comma":            anyValue(func(s string) bool { return strings.Contains(s, ",") }),
		"quote":            anyValue(func(s string) bool { return strings.Contains(s, `"`) }),
		"newline":          anyValue(func(s string) bool { return strings.Contains(s, "\n") }),
		"leading space":    anyValue(func(s string) bool { return strings.HasPrefix(s, " ") }),
		"formula =":        anyValue(func(s string) bool { return strings.HasPrefix(s, "=") }),
		"formula +":        anyValue(func(s string) bool { return strings.HasPrefix(s, "+") }),
		"formula -":        anyValue(func(s string) bool { return strings.HasPrefix(s, "-") }),
		"formula @":        anyValue(func(s string) bool { return strings.HasPrefix(s, "@") }),
		"formula tab":      anyValue(func(s string) bool { return strings.HasPrefix(s, "\t") }),
		"formula CR":       anyValue(func(s string) bool { return strings.HasPrefix(s, "\r") }),
		"phone extension":  func(u User) bool { return len(u.BusinessPhones) > 0 && strings.Contains(u.BusinessPhones[0], ") ") },
		"mixed-case UPN":   func(u User) bool { return u.UserPrincipalName != strings.ToLower(u.UserPrincipalName) },
		"non-ASCII UPN":    func(u User) bool { r, _ := utf8.DecodeRuneInString(u.UserPrincipalName); return r >= utf8.RuneSelf },
		"synced":           func(u User) bool { return u.OnPremisesSyncEnabled != nil },
		"sign-in activity": func(u User) bool { return u.SignInActivity != nil },
		"license":          func(u User) bool { return len(u.AssignedLicenses) == 2 },
	}
	for _, c := range []string{"0", "1", "7", "9", "_", "-", "'", "!", "#", "^", "~"} {
		cases["UPN starts with "+c] = startsWith(c)
	}
	seen := map[string]int{}
	for u := range tn.Users() {
		for name, pred := range cases {
			if pred(u) {
				seen[name]++
			}
		}
	}
	for name := range cases {
		if seen[name] == 0 {
			t.Errorf("no generated user is %q", name)
		}
	}
}

func TestGenerateSharedPrefix(t *testing.T) {
	t.Parallel()
	tn := generated(t, 10000, 0.6)
	n := 0
	for u := range tn.Users() {
		if strings.HasPrefix(u.UserPrincipalName, "user") {
			n++
		}
	}
	if share := float64(n) / 10000; share < 0.58 || share > 0.62 {
		t.Fatalf("share of the shared prefix = %.3f, want 0.6", share)
	}
}

// TestGenerateOrderAndLookup checks the default order, unique ids and UPNs,
// and that every user is found by id and by UPN in any case.
func TestGenerateOrderAndLookup(t *testing.T) {
	t.Parallel()
	tn := generated(t, 5000, 0.5)
	prev := ""
	ids := map[string]bool{}
	n := 0
	for u := range tn.Users() {
		key := strings.ToLower(u.UserPrincipalName)
		if key <= prev {
			t.Fatalf("order: %q after %q", key, prev)
		}
		prev = key
		if ids[u.ID] {
			t.Fatalf("duplicate id %s", u.ID)
		}
		ids[u.ID] = true
		for _, k := range []string{u.ID, strings.ToUpper(u.ID), u.UserPrincipalName, strings.ToUpper(u.UserPrincipalName)} {
			got, ok := tn.Lookup(k)
			if !ok || got.ID != u.ID {
				t.Fatalf("Lookup(%q) = %v, %v", k, got.ID, ok)
			}
		}
		n++
	}
	if n != 5000 || tn.Len() != 5000 {
		t.Fatalf("%d users, Len %d", n, tn.Len())
	}
	for _, k := range []string{"00000000-0000-4000-8000-000000000000", "nobody@contoso.onmicrosoft.com", "", "not a key"} {
		if _, ok := tn.Lookup(k); ok {
			t.Fatalf("Lookup(%q) found a user", k)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts GenerateOptions
		ok   bool
	}{
		{"defaults", GenerateOptions{Users: 3}, true},
		{"custom domain", GenerateOptions{Users: 3, Domain: "fabrikam.onmicrosoft.com"}, true},
		{"no users", GenerateOptions{}, true},
		{"negative users", GenerateOptions{Users: -1}, false},
		{"share 1", GenerateOptions{Users: 3, SharedPrefixShare: 1}, false},
		{"negative share", GenerateOptions{Users: 3, SharedPrefixShare: -0.1}, false},
		{"bad domain", GenerateOptions{Users: 3, Domain: "a b"}, false},
		{"prefix ending in a digit", GenerateOptions{Users: 3, SharedPrefix: "user1"}, false},
		{"prefix with @", GenerateOptions{Users: 3, SharedPrefix: "a@b"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tn, err := Generate(c.opts)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if c.ok && c.opts.Domain != "" && tn.Domain() != c.opts.Domain {
				t.Fatalf("Domain() = %q", tn.Domain())
			}
		})
	}
}

// TestGenerateMillion measures a million-user tenant: the heap it keeps
// (asserted: well under 1 GB) and the time it takes (reported only).
//
//nolint:paralleltest // measures the process heap, which parallel tests would disturb
func TestGenerateMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-user tenant")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	tn, err := Generate(GenerateOptions{Seed: 1, Users: 1_000_000, SharedPrefixShare: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	t.Logf("1,000,000 users: generated in %v, heap after GC %.1f MiB (%.0f bytes/user)",
		elapsed.Round(time.Millisecond), heap/(1<<20), heap/1e6)
	if heap > 256<<20 {
		t.Errorf("a million users keep %.0f MiB of heap, want under 256 MiB", heap/(1<<20))
	}
	if tn.Len() != 1_000_000 {
		t.Fatalf("Len() = %d", tn.Len())
	}
	runtime.KeepAlive(tn)
}
