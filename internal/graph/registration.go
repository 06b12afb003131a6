package graph

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// The authentication-method registration report (v1.0
// /reports/authenticationMethods/userRegistrationDetails): one row per
// user, in pages, joined to the users by object id. It answers "who is
// registered for MFA" at the cost of a listing rather than one call per
// user, but Graph allows the identity reports only five requests per ten
// seconds per app and tenant, and its filters (no ge, le or not) cannot
// cut it into partitions that cover every user: it is read in one chain of
// the largest pages, paced to that limit, before the users are listed.

const (
	// registrationPageSize is the largest page the report gives.
	registrationPageSize = 999

	// reportInterval paces the report's pages to Graph's limit for the
	// identity reports (5 requests per 10 s per app and tenant), so that
	// the chain is not throttled into Retry-After waits.
	reportInterval = 2 * time.Second
)

// registrationSelect is what is read of each row: the v1.0 properties the
// columns show, and the id to join on.
func registrationSelect() string {
	return strings.Join([]string{"id", "isAdmin", "isMfaRegistered", "isMfaCapable", "isPasswordlessCapable", "isSsprRegistered",
		"isSsprEnabled", "isSsprCapable", "isSystemPreferredAuthenticationMethodEnabled", "methodsRegistered",
		"systemPreferredAuthenticationMethods", "userPreferredMethodForSecondaryAuthentication", "lastUpdatedDateTime"}, ",")
}

// registrationRow is one row as the report sends it.
type registrationRow struct {
	ID string `json:"id"`
	directory.RegistrationDetails
}

type registrationPage struct {
	Value    *[]registrationRow `json:"value"`
	NextLink string             `json:"@odata.nextLink"`
}

// registrations holds the report's rows by user: each row encoded in a few
// dozen bytes of one buffer (booleans two bits each, method names as
// indexes into a table of the few names Graph uses), about 40 bytes a user
// with the index, instead of the hundreds a decoded row would hold.
type registrations struct {
	at    map[idKey]uint32 // offset of the user's row in buf
	buf   []byte
	names []string          // interned method and preference names; 0 is ""
	index map[string]uint64 // name -> its place in names
}

func newRegistrations() *registrations {
	return &registrations{at: map[idKey]uint32{}, names: []string{""}, index: map[string]uint64{"": 0}}
}

// loadRegistrations reads the whole report.
func (c *Client) loadRegistrations(ctx context.Context) (*registrations, error) {
	reg := newRegistrations()
	link := c.ep.baseURL() + "/reports/authenticationMethods/userRegistrationDetails?$select=" +
		url.QueryEscape(registrationSelect()) + fmt.Sprintf("&$top=%d", registrationPageSize)
	began := c.retry.clock.Now()
	for pages := 0; link != ""; pages++ {
		if pages > 0 {
			if err := c.retry.clock.Sleep(ctx, c.reportEvery); err != nil {
				return nil, err
			}
		}
		page, err := c.registrationPage(ctx, link)
		if err != nil {
			return nil, err
		}
		for i := range *page.Value {
			if err := reg.add(&(*page.Value)[i]); err != nil {
				return nil, err
			}
		}
		link = page.NextLink
	}
	c.log.InfoContext(ctx, "read the registration report", "users", len(reg.at),
		"took", c.retry.clock.Now().Sub(began).Round(time.Second))
	return reg, nil
}

// registrationPage gets one page of the report: the first, or one a
// nextLink names.
func (c *Client) registrationPage(ctx context.Context, link string) (registrationPage, error) {
	var page registrationPage
	_, err := c.do(ctx, call{
		op: OpRegistration,
		build: func(context.Context) (*abs.RequestInformation, error) {
			if err := c.checkNextLink(link); err != nil {
				return nil, err
			}
			u, err := url.Parse(link)
			if err != nil {
				return nil, err
			}
			info := abs.NewRequestInformation()
			info.Method = abs.GET
			info.SetUri(*u)
			info.Headers.TryAdd("Accept", "application/json")
			return info, nil
		},
		decode: func(r *response) error {
			page = registrationPage{}
			if err := json.Unmarshal(r.body, &page); err != nil {
				return err
			}
			if page.Value == nil {
				return errNoValue
			}
			return nil
		},
	})
	return page, err
}

// add encodes one row; a row without an id cannot be joined.
func (r *registrations) add(row *registrationRow) error {
	if row.ID == "" {
		return &malformedStepError{errNoID}
	}
	if len(r.buf) > 1<<32-1<<16 {
		return fmt.Errorf("the registration report is larger than this export can hold (%d bytes)", len(r.buf))
	}
	d := &row.RegistrationDetails
	r.at[keyOf(row.ID)] = uint32(len(r.buf)) //nolint:gosec // bounded just above
	var flags uint16
	for i, p := range registrationFlags(d) {
		flags |= triState(*p) << (2 * i)
	}
	r.buf = binary.LittleEndian.AppendUint16(r.buf, flags)
	r.buf = r.appendNames(d.MethodsRegistered)
	r.buf = r.appendNames(d.SystemPreferredAuthenticationMethods)
	r.buf = binary.AppendUvarint(r.buf, r.intern(d.UserPreferredMethodForSecondaryAuthentication))
	r.buf = binary.AppendUvarint(r.buf, uint64(len(d.LastUpdatedDateTime)))
	r.buf = append(r.buf, d.LastUpdatedDateTime...)
	return nil
}

func (r *registrations) appendNames(names []string) []byte {
	b := binary.AppendUvarint(r.buf, uint64(len(names)))
	for _, n := range names {
		b = binary.AppendUvarint(b, r.intern(n))
	}
	return b
}

func (r *registrations) intern(s string) uint64 {
	if i, ok := r.index[s]; ok {
		return i
	}
	i := uint64(len(r.names))
	r.names = append(r.names, s)
	r.index[s] = i
	return i
}

// get decodes the user's row, or returns nil when the report has none (a
// user created since the report was last brought up to date).
func (r *registrations) get(id string) *directory.RegistrationDetails {
	off, ok := r.at[keyOf(id)]
	if !ok {
		return nil
	}
	b := r.buf[off:]
	flags := binary.LittleEndian.Uint16(b)
	b = b[2:]
	d := &directory.RegistrationDetails{}
	vals := new([8]bool) // one allocation for the row's booleans
	for i, p := range registrationFlags(d) {
		switch flags >> (2 * i) & 3 {
		case 2:
			vals[i] = true
			*p = &vals[i]
		case 1:
			*p = &vals[i]
		}
	}
	d.MethodsRegistered, b = r.names2(b)
	d.SystemPreferredAuthenticationMethods, b = r.names2(b)
	pref, n := binary.Uvarint(b)
	d.UserPreferredMethodForSecondaryAuthentication, b = r.names[pref], b[n:]
	l, n := binary.Uvarint(b)
	d.LastUpdatedDateTime = string(b[n : n+int(l)]) //nolint:gosec // add wrote l: the length of a string in b
	return d
}

func (r *registrations) names2(b []byte) ([]string, []byte) {
	count, n := binary.Uvarint(b)
	b = b[n:]
	if count == 0 {
		return nil, b
	}
	out := make([]string, count)
	for i := range out {
		idx, n := binary.Uvarint(b)
		out[i], b = r.names[idx], b[n:]
	}
	return out, b
}

// registrationFlags are the row's booleans, in one fixed order.
func registrationFlags(d *directory.RegistrationDetails) [8]**bool {
	return [8]**bool{&d.IsAdmin, &d.IsMfaRegistered, &d.IsMfaCapable, &d.IsPasswordlessCapable, &d.IsSsprRegistered,
		&d.IsSsprEnabled, &d.IsSsprCapable, &d.IsSystemPreferredAuthenticationMethodEnabled}
}

// triState is a boolean in two bits: 0 null, 1 false, 2 true.
func triState(b *bool) uint16 {
	switch {
	case b == nil:
		return 0
	case *b:
		return 2
	}
	return 1
}

// replacer attaches the rows of reconciled users before replace.
func (r *registrations) replacer(replace replacer) replacer {
	return func(ctx context.Context, ids []string, current []directory.User) error {
		for i := range current {
			current[i].Registration = r.get(current[i].ID)
		}
		return replace(ctx, ids, current)
	}
}

// withRegistrations attaches each user's row before delivery.
func withRegistrations(reg *registrations, deliver func(context.Context, []directory.User) error) func(context.Context, []directory.User) error {
	return func(ctx context.Context, users []directory.User) error {
		for i := range users {
			users[i].Registration = reg.get(users[i].ID)
		}
		return deliver(ctx, users)
	}
}
