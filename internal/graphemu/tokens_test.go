package graphemu

import (
	"testing"
	"time"
)

// TestVerifyRemembersOnlyWhatBytesProve checks the verified-token cache: a
// token is decoded once, yet expiry, revocation and the audience are still
// judged on every call, a tampered copy is never taken for the original,
// and only a token whose signature holds is remembered.
func TestVerifyRemembersOnlyWhatBytesProve(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	ti := newTokenIssuer("tid", time.Minute, clock)
	app := DefaultApp()
	tok, _ := ti.issue(&app, graphResource)
	const base = "http://graph.test"
	first, msg := ti.verify("Bearer "+tok, base)
	if msg != "" {
		t.Fatal(msg)
	}
	if again, msg := ti.verify("Bearer "+tok, base); msg != "" || again != first {
		t.Fatalf("the second check decoded the token again (%p, %p) or failed: %q", again, first, msg)
	}
	tampered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[tok[len(tok)-2:] != "AA"]
	if _, msg := ti.verify("Bearer "+tampered, base); msg != msgTokenInvalid {
		t.Errorf("tampered signature: %q", msg)
	}
	hosted, _ := ti.issue(&app, base) // a client pointed at the emulator asks for base/.default
	if _, msg := ti.verify("Bearer "+hosted, base); msg != "" {
		t.Fatal(msg)
	}
	if _, msg := ti.verify("Bearer "+hosted, "https://other.test"); msg != msgTokenAudience {
		t.Errorf("a token for %s sent to another host: %q", base, msg)
	}
	ti.revokeAll()
	if _, msg := ti.verify("Bearer "+tok, base); msg != msgTokenExpired {
		t.Errorf("revoked: %q", msg)
	}
	fresh, _ := ti.issue(&app, graphResource)
	if _, msg := ti.verify("Bearer "+fresh, base); msg != "" {
		t.Fatal(msg)
	}
	clock.Advance(time.Minute)
	if _, msg := ti.verify("Bearer "+fresh, base); msg != msgTokenExpired {
		t.Errorf("expired: %q", msg)
	}
}

// TestVerifiedTokensBounded: past the bound, the expired tokens go first,
// then, if every one is live, all of them.
func TestVerifiedTokensBounded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	ti := newTokenIssuer("tid", time.Minute, clock)
	app := DefaultApp()
	use := func() {
		t.Helper()
		tk, _ := ti.issue(&app, graphResource)
		if _, msg := ti.verify("Bearer "+tk, "http://graph.test"); msg != "" {
			t.Fatal(msg)
		}
	}
	for range maxVerifiedTokens {
		use()
	}
	if n := ti.remembered(); n != maxVerifiedTokens {
		t.Fatalf("%d tokens remembered, want %d", n, maxVerifiedTokens)
	}
	clock.Advance(time.Minute)
	use()
	if n := ti.remembered(); n != 1 {
		t.Fatalf("%d tokens remembered once the others expired, want 1", n)
	}
	for range maxVerifiedTokens {
		use()
	}
	if n := ti.remembered(); n < 0 || n > maxVerifiedTokens {
		t.Fatalf("%d tokens remembered, bound %d", n, maxVerifiedTokens)
	}
}

// remembered counts the cache's entries by walking it (not trusting the
// counter it keeps).
func (ti *tokenIssuer) remembered() int {
	n := 0
	ti.verified.Range(func(any, any) bool { n++; return true })
	ti.verifiedMu.Lock()
	defer ti.verifiedMu.Unlock()
	if n != ti.nVerified {
		return -1
	}
	return n
}
