package export

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// fakeSource delivers a fixed set of users and per-user errors the way the
// Graph client does: in batches, from several goroutines at once, in an
// order that depends on seed, with only the $selected properties filled in.
type fakeSource struct {
	users   []directory.User
	errs    []directory.UserError
	batch   int    // users per delivery; 0 = 999
	workers int    // delivering goroutines; 0 = 1
	seed    uint64 // delivery order
	// beforeBatch runs before batch i is delivered; an error stops the read.
	beforeBatch func(ctx context.Context, i int) error

	mu    sync.Mutex
	query directory.Query
}

func (f *fakeSource) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	f.mu.Lock()
	f.query = q
	f.mu.Unlock()
	order := rand.New(rand.NewPCG(f.seed, 7)).Perm(len(f.users)) //nolint:gosec // test order, not security
	size := f.batch
	if size == 0 {
		size = 999
	}
	batches := make(chan []int)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	for w := range max(f.workers, 1) {
		wg.Go(func() {
			for idx := range batches {
				if err := f.deliver(ctx, q, sink, idx); err != nil {
					fail(err)
				}
			}
			if w == 0 {
				for _, e := range f.errs {
					sink.UserError(ctx, e)
				}
			}
		})
	}
	for i := 0; i < len(order); i += size {
		if f.beforeBatch != nil {
			if err := f.beforeBatch(ctx, i/size); err != nil {
				fail(err)
				break
			}
		}
		batches <- order[i:min(i+size, len(order))]
	}
	close(batches)
	wg.Wait()
	return firstErr
}

func (f *fakeSource) deliver(ctx context.Context, q directory.Query, sink directory.Sink, idx []int) error {
	users := make([]directory.User, len(idx))
	for i, j := range idx {
		users[i] = selectOnly(f.users[j], q)
	}
	if err := sink.Users(ctx, users); err != nil {
		return fmt.Errorf("delivering: %w", err)
	}
	// The sink must not keep the slice: scribble over it, as a reader
	// reusing its page buffer would.
	for i := range users {
		users[i] = directory.User{ID: "reused", UserPrincipalName: "reused"}
	}
	return nil
}

// selectOnly keeps what Graph would return for q: the selected properties
// (by JSON name) and the authentication methods if asked for.
func selectOnly(u directory.User, q directory.Query) directory.User {
	v := reflect.ValueOf(&u).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		if name != "" && !slices.Contains(q.Select, name) {
			v.Field(i).SetZero()
		}
	}
	if !q.AuthMethods {
		u.Auth = nil
	}
	if !q.Registration {
		u.Registration = nil
	}
	ext := u.Extensions
	u.Extensions = nil
	for k, v := range ext {
		if slices.Contains(q.Select, k) {
			if u.Extensions == nil {
				u.Extensions = map[string]json.RawMessage{}
			}
			u.Extensions[k] = v
		}
	}
	return u
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	return tag
}

func ptr[T any](v T) *T { return &v }

// awkwardUsers hold every kind of value the CSV contract has a rule for.
func awkwardUsers() []directory.User {
	return []directory.User{
		{
			ID: "00000000-0000-0000-0000-000000000001", UserPrincipalName: "alice@contoso.com",
			DisplayName: "Alice Example", GivenName: "Alice", Surname: "Example", Mail: "alice@contoso.com",
			UserType: "Member", JobTitle: "Engineer", Department: "R&D", AccountEnabled: ptr(true),
			UsageLocation: "GB", StreetAddress: "1 Main St", State: "London", Country: "United Kingdom",
			OfficeLocation: "HQ", City: "London", PostalCode: "EC1A 1BB",
			BusinessPhones: []string{"+44 20 7946 0958"}, MobilePhone: "+44 7700 900123",
			OtherMails: []string{"alice@example.org", "a.example@example.net"},
			AgeGroup:   "Adult", ConsentProvidedForMinor: "NotRequired", LegalAgeGroupClassification: "Adult",
			Auth: &directory.AuthMethods{
				MobilePhone: "+44 7700 900123", AlternateMobilePhone: "+44 7700 900456",
				Email: "alice.recovery@example.org",
			},
			EmployeeID: "E-0001", CompanyName: "Contoso, Ltd.", CreatedDateTime: "2024-01-10T08:00:00Z",
			CreationType: "", OnPremisesSyncEnabled: ptr(false), MailNickname: "alice",
			ProxyAddresses:   []string{"SMTP:alice@contoso.com", "smtp:alice@contoso.onmicrosoft.com"},
			AssignedLicenses: json.RawMessage(`[ { "disabledPlans" : [ ], "skuId" : "c7df2760-2c81-4ef7-b578-5b5392b571df" } ]`),
			Identities:       json.RawMessage("[{\"signInType\":\"userPrincipalName\",\n \"issuer\":\"contoso.com\", \"issuerAssignedId\":\"a \\\"b\\\" c\"}]"),
			EmployeeOrgData:  json.RawMessage(`null`),
		},
		{
			// Mixed case sorts with alice, not before every lower-case name.
			ID: "00000000-0000-0000-0000-000000000002", UserPrincipalName: "ALICE2@contoso.com",
			DisplayName: "ALICE TWO", AccountEnabled: ptr(false), UserType: "Member",
		},
		{
			ID: "00000000-0000-0000-0000-000000000003", UserPrincipalName: "Bob@Contoso.com",
			DisplayName: "Doe, Bob", JobTitle: `Senior "Chief" Officer`, Department: `\.`,
			StreetAddress: "1 Main St\nSuite 5", City: "line1\r\nline2", State: "a\rb",
			OtherMails: []string{"bob@example.org"}, PasswordProfile: json.RawMessage(" null "),
		},
		{
			ID: "00000000-0000-0000-0000-000000000004", UserPrincipalName: "zoe.angstrom@contoso.com",
			DisplayName: "Zoë Ångström", GivenName: "Zoë", Surname: "Ångström", City: "Malmö", Country: "Sverige",
			AccountEnabled: ptr(true),
		},
		{
			ID: "00000000-0000-0000-0000-000000000005", UserPrincipalName: "wang.xiaoming@contoso.com",
			DisplayName: "王小明", GivenName: "小明", Surname: "王", City: "北京", Department: "研究开发",
		},
		{
			ID: "00000000-0000-0000-0000-000000000006", UserPrincipalName: "ivan.petrov@contoso.com",
			DisplayName: "Иван Петров", GivenName: "Иван", Surname: "Петров", City: "Москва",
		},
		{
			ID: "00000000-0000-0000-0000-000000000007", UserPrincipalName: "mohammed.ali@contoso.com",
			DisplayName: "محمد علي", GivenName: "محمد", Surname: "علي", City: "دبي", JobTitle: "مهندس, أول",
		},
		{
			ID: "00000000-0000-0000-0000-000000000008", UserPrincipalName: "formula@contoso.com",
			DisplayName: `=HYPERLINK("http://evil.example","click")`, GivenName: "@SUM(A1:A9)",
			Surname: "+cmd|' /C calc'!A0", JobTitle: "-2+3", Department: "\tSales", StreetAddress: "\rHidden",
			BusinessPhones: []string{"+1 (555) 010-0100 x23", "+1 555 0101"}, MobilePhone: "-555.0100",
			PostalCode: "+", State: "- 5", Country: "=", UsageLocation: "@", City: "-x1+X2", OfficeLocation: "+X1",
			Auth: &directory.AuthMethods{MobilePhone: "+1 555 0100", AlternateMobilePhone: "+1 206 555 0199x12", Email: "=1+1@example.org"},
		},
		{
			ID: "00000000-0000-0000-0000-000000000009", UserPrincipalName: "spaces@contoso.com",
			DisplayName: " Leading Space", GivenName: "\u00a0NoBreak", Surname: "Trailing ", JobTitle: "\u3000Ideographic",
		},
		{
			// Only what Graph always returns: every other cell is empty.
			ID: "00000000-0000-0000-0000-000000000010", UserPrincipalName: "empty@contoso.com",
		},
		{
			ID: "00000000-0000-0000-0000-000000000011", UserPrincipalName: "john_example.com#EXT#@contoso.onmicrosoft.com",
			DisplayName: "John (guest)", Mail: "john@example.com", UserType: "Guest", AccountEnabled: ptr(true),
			CreationType: "Invitation", ExternalUserState: "Accepted", Auth: &directory.AuthMethods{},
		},
		{
			// A key that is a prefix of the next one: compared as a tuple,
			// "pat@contoso.com" sorts first whatever the ids.
			ID: "ffffffff-0000-0000-0000-000000000012", UserPrincipalName: "pat@contoso.com", DisplayName: "Pat",
		},
		{
			ID: "00000000-0000-0000-0000-000000000013", UserPrincipalName: "pat@contoso.com.au", DisplayName: "Pat AU",
		},
		{
			ID: "00000000-0000-0000-0000-000000000014", UserPrincipalName: "İpek@contoso.com",
			DisplayName: "İpek 🙂", LegalAgeGroupClassification: "MinorWithOutParentalConsent",
			AgeGroup: "Minor", ConsentProvidedForMinor: "Denied",
		},
		{
			ID: "00000000-0000-0000-0000-000000000015", UserPrincipalName: "ipek@contoso.com",
			DisplayName: "ipek", IsResourceAccount: ptr(false), ShowInAddressList: ptr(true),
			SignInActivity: json.RawMessage(`{"lastSignInDateTime":"2024-05-01T10:00:00Z","lastSignInRequestId":"r1"}`),
		},
	}
}

// awkwardErrors are per-user errors, hostile message included.
func awkwardErrors() []directory.UserError {
	return []directory.UserError{
		{
			UserPrincipalName: "missing.user@contoso.com", Operation: directory.OpLookup, Status: 404,
			Code: "Request_ResourceNotFound", RequestID: "11111111-1111-1111-1111-111111111111",
			Message: "Resource 'missing.user@contoso.com' does not exist or one of its queried reference-property objects are not present.",
		},
		{
			UserPrincipalName: "O'Brien@contoso.com", Operation: directory.OpLookup, Status: 404,
			Code: "Request_ResourceNotFound", Message: "Resource 'O''Brien' does not exist, sorry", RequestID: "r-2",
		},
		{
			UserPrincipalName: "formula@contoso.com", ObjectID: "00000000-0000-0000-0000-000000000008",
			Operation: directory.OpAuthMethods, Status: 404, Code: "=cmd|' /C calc'!A0",
			Message: "@evil\nsecond line", RequestID: "r-3",
		},
		{
			ObjectID: "00000000-0000-0000-0000-0000000000ff", Operation: directory.OpLookup,
			Code: "connectionReset", Message: "connection reset by peer", RequestID: "",
		},
	}
}

// generatedUsers are n plausible users with mixed-case names, for volume.
func generatedUsers(n int, seed uint64) []directory.User {
	r := rand.New(rand.NewPCG(seed, 11)) //nolint:gosec // test data
	first := []string{"Anna", "ben", "Chloé", "DMITRI", "Eve", "fatima", "Gao", "hugo"}
	users := make([]directory.User, n)
	for i := range users {
		f := first[r.IntN(len(first))]
		users[i] = directory.User{
			ID:                fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), i),
			UserPrincipalName: fmt.Sprintf("%s.%d@contoso.com", f, r.IntN(n*4)),
			DisplayName:       fmt.Sprintf("%s, %d", f, i),
			Mail:              fmt.Sprintf("%s%d@contoso.com", f, i),
			JobTitle:          []string{"", "Engineer", `"Lead"`, "=cmd", "Line\nBreak"}[r.IntN(5)],
			AccountEnabled:    []*bool{nil, ptr(true), ptr(false)}[r.IntN(3)],
			BusinessPhones:    []string{fmt.Sprintf("+1 555 %04d", i%10000)},
			OtherMails:        []string{"x@example.org", "y@example.org"}[:r.IntN(3)],
		}
	}
	return users
}
