package graph

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// authMethod is one element of /users/{id}/authentication/methods; only the
// phone and email methods' fields are read.
type authMethod struct {
	Type         string `json:"@odata.type"`
	PhoneNumber  string `json:"phoneNumber"`
	PhoneType    string `json:"phoneType"`
	EmailAddress string `json:"emailAddress"`
}

type authMethodsPage struct {
	Value    *[]authMethod `json:"value"`
	NextLink string        `json:"@odata.nextLink"`
}

const (
	phoneMethodType = "#microsoft.graph.phoneAuthenticationMethod"
	emailMethodType = "#microsoft.graph.emailAuthenticationMethod"
)

// addMethods maps phone methods by their phoneType, and the email method,
// into a. Graph's casing of type names is not relied upon.
func addMethods(a *directory.AuthMethods, methods []authMethod) {
	for _, m := range methods {
		switch {
		case strings.EqualFold(m.Type, phoneMethodType):
			switch strings.ToLower(m.PhoneType) {
			case "mobile":
				a.MobilePhone = m.PhoneNumber
			case "alternatemobile":
				a.AlternateMobilePhone = m.PhoneNumber
			}
		case strings.EqualFold(m.Type, emailMethodType):
			a.Email = m.EmailAddress
		}
	}
}

// errEmptyID: a listed user without an id, whose methods cannot be asked for.
var errEmptyID = errors.New("empty user id")

// authStage adds each user's authentication methods before delivery: one
// GET per user, 20 to a $batch, through the shared batcher.
type authStage struct {
	c    *Client
	b    *batcher
	sink directory.Sink
	next func(context.Context, []directory.User) error
	gate stepGate
}

// authOutcome is what one user's lookup came to.
type authOutcome struct {
	methods  directory.AuthMethods
	nextLink string
	failed   *directory.UserError
}

// deliver resolves users' methods and passes on those that have them. A
// user whose methods cannot be read (deleted since it was listed, or one the
// app may not read) is a per-user error and is not delivered: a row with
// empty authentication columns would state that it has no methods.
func (a *authStage) deliver(ctx context.Context, users []directory.User) error {
	kept, err := a.withMethods(ctx, users)
	if err != nil || len(kept) == 0 {
		return err
	}
	return a.next(ctx, kept)
}

// replacer passes reconciled users through the stage before replace.
func (a *authStage) replacer(replace replacer) replacer {
	return func(ctx context.Context, ids []string, current []directory.User) error {
		kept, err := a.withMethods(ctx, current)
		if err != nil {
			return err
		}
		return replace(ctx, ids, kept)
	}
}

// withMethods fills in the users' methods, in place, and returns those
// whose methods were read; the others become per-user errors.
func (a *authStage) withMethods(ctx context.Context, users []directory.User) ([]directory.User, error) {
	out, err := a.resolve(ctx, users)
	if err != nil {
		return nil, err
	}
	kept := users[:0]
	for i := range users {
		if f := out[i].failed; f != nil {
			a.gate.report(ctx, a.sink, *f)
			continue
		}
		m := out[i].methods
		users[i].Auth = &m
		kept = append(kept, users[i])
	}
	return kept, nil
}

// resolve looks up the methods of every user and waits for all of them.
func (a *authStage) resolve(ctx context.Context, users []directory.User) ([]authOutcome, error) {
	out := make([]authOutcome, len(users))
	err := a.b.resolve(ctx, len(users), func(i int) (*batchItem, error) {
		if users[i].ID == "" {
			return nil, errEmptyID
		}
		return &batchItem{op: OpAuthMethods, url: authMethodsPath(users[i].ID), finish: func(r *innerResponse) error {
			return a.outcome(&users[i], r, &out[i])
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := a.followNext(ctx, &users[i], &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// close ends the stage once every user was delivered: the per-user errors
// held back become the sink's, or the whole read's error when no user's
// methods could be read at all (see stepGate).
func (a *authStage) close(ctx context.Context) error {
	return a.gate.close(ctx, a.sink)
}

// outcome records one user's inner response. A user that is gone, or that
// Graph refuses to look up, is that user's error only; a missing
// permission ends the read (see stepGate).
func (a *authStage) outcome(u *directory.User, r *innerResponse, o *authOutcome) error {
	failed, err := stepOutcome(OpAuthMethods, r, &a.gate, func(body []byte) error {
		var page authMethodsPage
		if err := json.Unmarshal(body, &page); err != nil {
			return &malformedStepError{err}
		}
		if page.Value == nil {
			return &malformedStepError{errNoValue}
		}
		addMethods(&o.methods, *page.Value)
		o.nextLink = page.NextLink
		return nil
	})
	if failed != nil {
		o.fail(u, failed)
	}
	return err
}

// fail records u's per-user error.
func (o *authOutcome) fail(u *directory.User, e *directory.UserError) {
	e.UserPrincipalName, e.ObjectID, e.Operation = u.UserPrincipalName, u.ID, directory.OpAuthMethods
	o.failed = e
}

// followNext reads further pages of a user's methods, which Graph may page
// like any collection (it has not been seen to for a handful of methods).
// The first page was served, so a 403 or a server failure that outlasted
// its retries concerns this user alone.
func (a *authStage) followNext(ctx context.Context, u *directory.User, o *authOutcome) error {
	for o.nextLink != "" && o.failed == nil {
		next := o.nextLink
		o.nextLink = ""
		_, err := a.c.do(ctx, call{
			op: OpAuthMethods,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				return a.c.authMethodsNextRequest(ctx, next)
			},
			decode: func(r *response) error {
				var page authMethodsPage
				if err := json.Unmarshal(r.body, &page); err != nil {
					return err
				}
				if page.Value == nil {
					return errNoValue
				}
				addMethods(&o.methods, *page.Value)
				o.nextLink = page.NextLink
				return nil
			},
		})
		var ge *Error
		switch {
		case err == nil:
		case errors.As(err, &ge) && gated(ge.Status) && !errors.Is(err, ErrThrottledPastTimeout):
			o.fail(u, userError(ge))
		default:
			return err
		}
	}
	return nil
}
