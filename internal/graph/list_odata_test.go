package graph

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// unquote reads an OData string literal the way Graph's parser does and
// returns its value and what follows the closing quote.
func unquote(lit string) (value, rest string, ok bool) {
	if !strings.HasPrefix(lit, "'") {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(lit); i++ {
		if lit[i] != '\'' {
			b.WriteByte(lit[i])
			continue
		}
		if i+1 < len(lit) && lit[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), lit[i+1:], true
	}
	return "", "", false
}

func FuzzODataString(f *testing.F) {
	for _, s := range []string{"", "o'brien@contoso.com", "'", "''", "x') or (true", "guest_a.com#EXT#@x", "élodie"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := odataString(s)
		got, rest, ok := unquote(lit)
		if !ok || got != s || rest != "" {
			t.Fatalf("odataString(%q) = %s reads back as %q with %q after it", s, lit, got, rest)
		}
	})
}

func TestAndFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"", ""}, ""},
		{[]string{"a eq 1", ""}, "a eq 1"},
		{[]string{"", "startsWith(userPrincipalName,'a')"}, "startsWith(userPrincipalName,'a')"},
		{[]string{"a eq 1 or b eq 2", "c eq 3"}, "(a eq 1 or b eq 2) and (c eq 3)"},
	}
	for _, tt := range tests {
		if got := andFilters(tt.in...); got != tt.want {
			t.Errorf("andFilters(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRankPivots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix, low, high string
		ways              int
	}{
		{"a", "a", "", 16},
		{"", "olivia.abbott1@x", "olivia.zukowski9@x", 8},
		{"m", "masm0v-4", "masssg62", 4},
		{"", "a", "b", 16},
		{"", "a", "a-", 16},
	}
	for _, tt := range tests {
		got := rankPivots(tt.prefix, tt.low, tt.high, tt.ways)
		checkPivots(t, tt.low, tt.high, got)
		if tt.high != "a-" && len(got) < tt.ways/2 {
			t.Errorf("rankPivots(%q, %q, %q) = %q: too few pivots", tt.prefix, tt.low, tt.high, got)
		}
	}
	// Names in a cluster: the pivots fall inside it.
	for _, p := range rankPivots("", "olivia.abbott1@x", "olivia.zukowski9@x", 8) {
		if !strings.HasPrefix(p, "olivia.") {
			t.Errorf("pivot %q is outside the names' common prefix", p)
		}
	}
}

func checkPivots(t *testing.T, low, high string, pivots []string) {
	t.Helper()
	for i, p := range pivots {
		if p <= low || (high != "" && p >= high) || (i > 0 && p <= pivots[i-1]) || !utf8.ValidString(p) {
			t.Fatalf("pivots %q between %q and %q: not increasing strictly inside", pivots, low, high)
		}
	}
}

func FuzzRankPivots(f *testing.F) {
	f.Add("a", "a", "b", 16)
	f.Add("", "user1", "user9", 4)
	f.Fuzz(func(t *testing.T, prefix, low, high string, ways int) {
		// Names come from JSON, so they are valid UTF-8.
		valid := utf8.ValidString(prefix) && utf8.ValidString(low) && utf8.ValidString(high)
		if !valid || ways < 2 || ways > 64 || (high != "" && low >= high) || !strings.HasPrefix(low, prefix) {
			t.Skip()
		}
		checkPivots(t, low, high, rankPivots(prefix, low, high, ways))
	})
}

func TestKeyOf(t *testing.T) {
	t.Parallel()
	a := keyOf("3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56")
	if a != keyOf("3F2A9C1E-8B7D-4C6A-A5E4-0D1C2B3A4F56") {
		t.Error("the same GUID in another case has another key")
	}
	if a == keyOf("3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f57") || keyOf("not-a-guid") == keyOf("not-a-guid2") {
		t.Error("different ids share a key")
	}
	if _, ok := credential.ParseGUID("3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4fzz"); ok {
		t.Error("a GUID with non-hex digits parsed")
	}
}

func TestFoldBounds(t *testing.T) {
	t.Parallel()
	// Graph compares lower-cased names: 'C' is 'c', beyond the range's end.
	got := foldBounds(subdivide(0x3A, 0x61))
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("bounds %q do not increase", got)
		}
	}
	if got[0] != 0x3A || got[len(got)-1] != 0x61 || slices.Contains(got, 'C') || slices.Contains(got, 'c') {
		t.Errorf("bounds %q, want 0x3A..0x61 without upper-case letters", got)
	}
}

func TestPartitionQueueIsLargestFirst(t *testing.T) {
	t.Parallel()
	q := newPartitionQueue()
	for _, n := range []int64{5, 50, 1, 20} {
		q.push(&partition{count: n})
	}
	q.close()
	var got []int64
	for {
		p, ok := q.pop(context.Background())
		if !ok {
			break
		}
		got = append(got, p.count)
	}
	if !slices.Equal(got, []int64{50, 20, 5, 1}) {
		t.Errorf("popped %v, want largest first", got)
	}
}

func TestTokenSource(t *testing.T) {
	t.Parallel()
	cred := &fakeCredential{}
	src := newTokenSource(cred, newFakeClock(), true)
	opts := policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := src.GetToken(context.Background(), opts); err != nil || tok.Token != "token-1" {
				t.Errorf("GetToken = %q, %v", tok.Token, err)
			}
		}()
	}
	wg.Wait()
	if n := cred.calls.Load(); n != 1 {
		t.Fatalf("50 concurrent callers made %d token requests, want 1", n)
	}
	// Graph rejects token-1: the first caller holding it gets a new one,
	// with claims that make MSAL skip its cache; later holders reuse it.
	stale := withStaleToken(context.Background(), "token-1")
	for range 3 {
		if tok, _ := src.GetToken(stale, opts); tok.Token != "token-2" {
			t.Errorf("after the rejection got %q, want token-2", tok.Token)
		}
	}
	if cred.calls.Load() != 2 || cred.claims[1] == "" {
		t.Errorf("%d token requests, claims %q; want one more, with claims", cred.calls.Load(), cred.claims)
	}
	// A rejection seen only inside a $batch marks the token.
	src.invalidate(context.Background(), "token-2")
	if tok, _ := src.GetToken(context.Background(), opts); tok.Token != "token-3" {
		t.Errorf("after invalidate got %q, want token-3", tok.Token)
	}
}

func TestTokenSourceGivesTheCLINoClaims(t *testing.T) {
	t.Parallel()
	cred := &fakeCredential{}
	src := newTokenSource(cred, newFakeClock(), false)
	opts := policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}
	_, _ = src.GetToken(context.Background(), opts)
	_, _ = src.GetToken(withStaleToken(context.Background(), "token-1"), opts)
	if cred.calls.Load() != 2 || cred.claims[1] != "" {
		t.Errorf("%d token requests with claims %q; want a plain second request (the CLI refuses claims)", cred.calls.Load(), cred.claims)
	}
}
