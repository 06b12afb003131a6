package tenant

import (
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

// listColumns are the 23 portal-export columns served by the list itself.
const listColumns = "userPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department," +
	"accountEnabled,usageLocation,streetAddress,state,country,officeLocation,city,postalCode," +
	"businessPhones,mobilePhone,otherMails,ageGroup,consentProvidedForMinor,legalAgeGroupClassification"

func benchTenant(b *testing.B, users int) *Tenant {
	b.Helper()
	tn, err := Generate(GenerateOptions{Seed: 7, Users: users, SharedPrefixShare: 0.6})
	if err != nil {
		b.Fatal(err)
	}
	return tn
}

// BenchmarkListUsers999 pages through a tenant 999 users at a time with the
// 23 list columns selected, as the provider does.
func BenchmarkListUsers999(b *testing.B) {
	tn := benchTenant(b, 100_000)
	q := url.Values{"$select": {listColumns}, "$top": {"999"}}
	b.ReportAllocs()
	b.ResetTimer()
	users, bytes := 0, 0
	start := time.Now()
	next := q
	for range b.N {
		pg, err := tn.ListUsers(next, false)
		if err != nil {
			b.Fatal(err)
		}
		users += pg.Items
		bytes += len(pg.Value)
		next = pg.Next
		if next == nil {
			next = q
		}
	}
	b.ReportMetric(float64(users)/time.Since(start).Seconds(), "users/s")
	b.ReportMetric(float64(bytes)/float64(users), "B/user")
}

// BenchmarkPrefixPartitions serves first pages of many prefix partitions of
// a million-user tenant: each must cost a range lookup, not a scan.
func BenchmarkPrefixPartitions(b *testing.B) {
	tn := benchTenant(b, 1_000_000)
	prefixes := []string{"a", "b", "c", "d", "e", "m", "user1", "user5", "user99", "~", "0", "ж"}
	b.ReportAllocs()
	b.ResetTimer()
	users := 0
	start := time.Now()
	for i := range b.N {
		p := prefixes[i%len(prefixes)]
		q := url.Values{"$select": {"id,userPrincipalName"}, "$top": {"999"},
			"$filter": {"startsWith(userPrincipalName,'" + strings.ReplaceAll(p, "'", "''") + "')"}}
		pg, err := tn.ListUsers(q, false)
		if err != nil {
			b.Fatal(err)
		}
		users += pg.Items
	}
	b.ReportMetric(float64(users)/time.Since(start).Seconds(), "users/s")
}

// BenchmarkGenerate reports the heap a million-user tenant keeps after GC.
func BenchmarkGenerate(b *testing.B) {
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tn := benchTenant(b, 1_000_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		runtime.KeepAlive(tn)
	}
}

// BenchmarkAuthMethods reads one user's methods, as each inner request of
// the provider's $batch lookups does.
func BenchmarkAuthMethods(b *testing.B) {
	tn := benchTenant(b, 100_000)
	var ids []string
	for u := range tn.Users() {
		ids = append(ids, u.ID)
		if len(ids) == 1000 {
			break
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := tn.AuthMethods(ids[i%len(ids)], AllMethods, false); err != nil {
			b.Fatal(err)
		}
	}
}
