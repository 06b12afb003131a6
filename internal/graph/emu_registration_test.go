package graph

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// The registration report is read in pages and joined to the users by
// object id: every listed user has its row, as the report gives it.
func TestRegistrationDetailsJoined(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 41, Users: 2500})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	c.reportEvery = 0 // the emulator does not throttle here
	var sink collector
	if err := c.Users(t.Context(), directory.Query{Select: listColumns(), Registration: true}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	registered := 0
	for _, u := range sink.users {
		r := u.Registration
		if r == nil || r.IsMfaRegistered == nil || r.LastUpdatedDateTime == "" {
			t.Fatalf("user %s has no registration row: %+v", u.ID, r)
		}
		if *r.IsMfaRegistered {
			registered++
			if len(r.MethodsRegistered) == 0 {
				t.Errorf("user %s is registered for MFA with no method", u.ID)
			}
		}
	}
	if registered == 0 || registered == len(sink.users) {
		t.Errorf("%d of %d users registered for MFA: the join proves little", registered, len(sink.users))
	}
	if n := srv.Counters().Total(graphemu.EndpointRegistrationDetails); n != (tn.Len()+998)/999 {
		t.Errorf("%d report pages, want %d of 999", n, (tn.Len()+998)/999)
	}
}

// Without AuditLog.Read.All, or without a premium licence, Graph refuses
// the report: one error that ends the read, with Graph's own code.
func TestRegistrationDetailsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  func(tn *tenant.Tenant, cfg *graphemu.Config)
		code string
	}{
		{"no AuditLog.Read.All", func(_ *tenant.Tenant, cfg *graphemu.Config) {
			app := graphemu.DefaultApp()
			app.Permissions = slices.DeleteFunc(app.Permissions, func(p string) bool { return p == graphemu.PermAuditLogReadAll })
			cfg.Apps = []graphemu.App{app}
		}, "Authentication_MSGraphPermissionMissing"},
		{"no premium licence", func(tn *tenant.Tenant, _ *graphemu.Config) { tn.SetPremiumLicense(false) },
			"Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 42, Users: 300})
			srv := emutest.Start(t, tn, func(cfg *graphemu.Config) { tt.set(tn, cfg) })
			c := newEmuClient(t, srv)
			err := c.Users(t.Context(), directory.Query{Select: listColumns(), Registration: true}, &discard{})
			var ge *Error
			if !errors.As(err, &ge) || ge.Status != http.StatusForbidden || ge.Code != tt.code || ge.Operation != OpRegistration {
				t.Fatalf("err = %v, want a 403 %s of %s", err, tt.code, OpRegistration)
			}
			if n := srv.Counters().Total(graphemu.EndpointListFirst); n != 0 {
				t.Errorf("%d users listed before the report was refused", n)
			}
			if ge.Message == "" {
				t.Error("no message")
			}
		})
	}
}

// The compact store gives back each row exactly.
func TestRegistrationsRoundTrip(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	rows := []registrationRow{
		{ID: "00000000-0000-4000-8000-000000000001", RegistrationDetails: directory.RegistrationDetails{
			IsAdmin: &yes, IsMfaRegistered: &no, MethodsRegistered: []string{"mobilePhone", "fido2"},
			SystemPreferredAuthenticationMethods: []string{"push"}, UserPreferredMethodForSecondaryAuthentication: "sms",
			LastUpdatedDateTime: "2024-05-01T10:11:12.1234567Z"}},
		{ID: "00000000-0000-4000-8000-000000000002"},
		{ID: "not-a-guid", RegistrationDetails: directory.RegistrationDetails{IsSsprCapable: &yes, MethodsRegistered: []string{"fido2"}}},
	}
	reg := newRegistrations()
	for i := range rows {
		if err := reg.add(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range rows {
		got := reg.get(want.ID)
		if got == nil {
			t.Fatalf("%s: no row", want.ID)
		}
		if !sameRegistration(*got, want.RegistrationDetails) {
			t.Errorf("%s: %+v, want %+v", want.ID, *got, want.RegistrationDetails)
		}
	}
	if reg.get("00000000-0000-4000-8000-000000000099") != nil {
		t.Error("a user without a row has one")
	}
}

func sameRegistration(a, b directory.RegistrationDetails) bool {
	for i, p := range registrationFlags(&a) {
		q := registrationFlags(&b)[i]
		if (*p == nil) != (*q == nil) || *p != nil && **p != **q {
			return false
		}
	}
	return slices.Equal(a.MethodsRegistered, b.MethodsRegistered) &&
		slices.Equal(a.SystemPreferredAuthenticationMethods, b.SystemPreferredAuthenticationMethods) &&
		a.UserPreferredMethodForSecondaryAuthentication == b.UserPreferredMethodForSecondaryAuthentication &&
		a.LastUpdatedDateTime == b.LastUpdatedDateTime
}

// The report's pages are paced to Graph's limit for the identity reports
// (five requests in ten seconds), so the chain is not throttled.
func TestRegistrationPagesArePaced(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 43, Users: 2100})
	srv := emutest.Start(t, tn)
	clk := newFakeClock()
	c, err := newClient(emuConfig(t, srv), clk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.loadRegistrations(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := clk.sleeps(), []time.Duration{reportInterval, reportInterval}; !slices.Equal(got, want) {
		t.Errorf("waits %v between the 3 pages, want %v", got, want)
	}
}
