package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// scriptedCredential fails the token requests whose number (from 1) is in
// fail, as the Azure CLI does when az cannot run, and hands out tokens
// that live an hour on clk otherwise.
type scriptedCredential struct {
	mu    sync.Mutex
	clk   clock
	fail  map[int]bool
	calls int
}

func (s *scriptedCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail[s.calls] {
		return azcore.AccessToken{}, errors.New("AzureCLICredential: ERROR: the command failed")
	}
	return azcore.AccessToken{Token: fmt.Sprintf("token-%d", s.calls), ExpiresOn: s.clk.Now().Add(time.Hour)}, nil
}

// cliStub is a stub client whose credential is the Azure CLI's, scripted.
func cliStub(t *testing.T, h http.Handler, fail ...int) (*stubServer, *scriptedCredential) {
	t.Helper()
	st := newStub(t, h)
	cred := &scriptedCredential{clk: st.clock, fail: map[int]bool{}}
	for _, n := range fail {
		cred.fail[n] = true
	}
	ep, err := resolveEndpoints(Config{GraphEndpoint: st.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	st.c, err = assemble(Config{GraphEndpoint: st.srv.URL, HTTPClient: st.srv.Client()}, ep, cred, credential.CLI, st.clock)
	if err != nil {
		t.Fatal(err)
	}
	return st, cred
}

// A failure of the Azure CLI on the first token is final: az is missing
// or signed out, and the error's advice says so at once.
func TestCLIFailureOnTheFirstTokenIsFinal(t *testing.T) {
	t.Parallel()
	h, calls := countHandler(t)
	st, cred := cliStub(t, h, 1)
	_, err := st.c.count(context.Background(), "", "")
	var ge *Error
	if !errors.As(err, &ge) || ge.Operation != OpToken {
		t.Fatalf("err = %v, want the token failure", err)
	}
	if cred.calls != 1 || calls.Load() != 0 || len(st.clock.sleeps()) != 0 {
		t.Errorf("%d token requests, %d Graph requests, waits %v; want one token request and no retry", cred.calls, calls.Load(), st.clock.sleeps())
	}
}

// Once az has given a token, a failure to renew it (on expiry, or after
// Graph rejected the token) is retried with backoff: the export goes on.
func TestCLIFailureOnRenewalIsRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// answers of the second count, after the first got token-1
		second []func(http.ResponseWriter, *http.Request)
		expire bool // the clock passes token-1's expiry between the counts
	}{
		{name: "token expired", expire: true},
		{name: "token rejected by Graph", second: []func(http.ResponseWriter, *http.Request){status(http.StatusUnauthorized, codeInvalidToken)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			answers := append([]func(http.ResponseWriter, *http.Request){okCount}, tt.second...)
			h, _ := countHandler(t, answers...)
			st, cred := cliStub(t, h, 2, 3)
			if _, err := st.c.count(context.Background(), "", ""); err != nil {
				t.Fatal(err)
			}
			if tt.expire {
				if err := st.clock.Sleep(context.Background(), 2*time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			before := len(st.clock.sleeps())
			if n, err := st.c.count(context.Background(), "", ""); err != nil || n != 42 {
				t.Fatalf("count after the renewal failed twice = %d, %v; want 42", n, err)
			}
			if cred.calls != 4 {
				t.Errorf("%d token requests, want 4 (token-1, two failures, token-4)", cred.calls)
			}
			if waits := st.clock.sleeps()[before:]; len(waits) != 2 || waits[0] < st.c.retry.baseDelay/2 {
				t.Errorf("waits %v between the renewals, want two backoff steps", waits)
			}
		})
	}
}

func okCount(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprint(w, "42") }
