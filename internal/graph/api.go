package graph

// This file is the contract between the Graph client and its caller (the
// provider): the configuration, the reads, and the error type. The
// implementations live in the files named for their concern.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// Cloud names a national cloud; the zero value is the public cloud.
type Cloud string

// National clouds, as the azuread provider names them (ARM_ENVIRONMENT).
const (
	CloudPublic       Cloud = "public"
	CloudUSGovernment Cloud = "usgovernment"
	CloudDoD          Cloud = "dod"
	CloudChina        Cloud = "china"
)

// Credentials say how to obtain tokens: the credential package's, so that
// a Config can be written with this package alone.
type Credentials = credential.Credentials

// Config configures a Client.
type Config struct {
	Cloud Cloud

	// GraphEndpoint and AuthorityHost override the cloud's hosts (sovereign
	// proxies, the emulator), e.g. "https://graph.example.net". Plain http is
	// refused unless the host is loopback.
	GraphEndpoint string
	AuthorityHost string

	Credentials Credentials

	// HTTPClient, when set, carries every request (token and Graph); tests
	// use it to trust a local CA. Its Transport is cloned, never mutated.
	HTTPClient *http.Client

	// Concurrency is the number of list chains (and batches) kept in flight;
	// 0 = the package default (DefaultConcurrency), at most MaxConcurrency.
	Concurrency int

	// Logger receives progress (INFO) and diagnostics (DEBUG). Never secrets.
	// nil = discard.
	Logger *slog.Logger

	// UserAgent is prepended to the SDK's user agent.
	UserAgent string
}

// Client reads users from Microsoft Graph. It is safe for concurrent use.
type Client struct {
	ep          endpoints
	adapter     *khttp.NetHttpRequestAdapter
	tokens      *tokenSource
	credKind    credential.ID
	retry       *retryPolicy
	log         *slog.Logger
	concurrency int
	pageSlots   pageSlots
	stats       counters

	progressEvery time.Duration // how often a read logs its progress at INFO
	settleFor     time.Duration // how long a short partition is counted again (settleBudget)
	reportEvery   time.Duration // the pace of the registration report's pages (reportInterval)
}

// New validates cfg and builds a client. It sends no request, so it has
// nothing to cancel: ctx is taken for the contract's sake and only checked,
// a client built for a read already cancelled being of no use.
//
// When several credentials are configured, the first in credential.Kinds'
// order is used, and must be complete. With none, the error wraps
// ErrNoCredential; a bad value is a *credential.FieldError naming its field.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newClient(cfg, realClock{})
}

// Users reads the users q selects and delivers them to sink; it implements
// export.Source. Explicitly selected users that do not resolve, and per-user
// authentication-method failures that concern one user only, go to
// sink.UserError; anything else is an *Error (or a context error) and ends the
// read.
func (c *Client) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	return c.users(ctx, q, sink)
}

// UsersTracked reads like Users and also returns a link to the directory's
// change log as of the read's end, for Changes to follow next time: "" when
// Graph refused the change log, or the query names its users one by one.
func (c *Client) UsersTracked(ctx context.Context, q directory.Query, sink directory.Sink) (string, error) {
	return c.usersTracked(ctx, q, sink)
}

// Changes delivers to sink.Replace every user of q that changed since link
// was taken (each read again, with q's filter and search, as Users would
// deliver it, or removed when it was deleted or no longer matches), and the
// users whose object ids recheck names, changed or not. It returns the link
// to follow next time. When Graph no longer knows link (expired, or asking
// to start over) the error wraps ErrDeltaExpired.
func (c *Client) Changes(ctx context.Context, q directory.Query, link string, recheck []string, sink directory.Sink) (string, error) {
	return c.changes(ctx, q, link, recheck, sink)
}

// PendingChanges counts the users changed since link was taken (each once),
// reading nothing else and moving nothing: it answers "has the directory
// changed since the snapshot?" in as few requests as the changes fill pages
// (one when none did). It stops at limit users, with more set. Errors are
// as Changes's.
func (c *Client) PendingChanges(ctx context.Context, link string, limit int) (n int, more bool, err error) {
	return c.pendingChanges(ctx, link, limit)
}

// Operations an Error can name.
const (
	OpToken        = "acquireToken"
	OpListUsers    = "listUsers"
	OpCountUsers   = "countUsers"
	OpGetUsers     = "getUsers"
	OpChanges      = "getUserChanges"         // the directory's change log, GET /users/delta
	OpRegistration = "getRegistrationDetails" // the authentication-method registration report
	OpAuthMethods  = directory.OpAuthMethods  // the name per-user errors give the same operation
)

// Error is a failure of a Graph (or token) request that ends the read.
type Error struct {
	Operation       string // one of the Op constants
	Status          int    // HTTP status; 0 for transport failures
	Code            string // Graph's error code (or the AADSTS code)
	Message         string // Graph's message; never holds a secret
	RequestID       string
	ClientRequestID string
	Err             error // the underlying cause, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %d %s: %s (request-id %s)", e.Operation, e.Status, e.Code, e.Message, e.RequestID)
}

func (e *Error) Unwrap() error { return e.Err }

// FederatedTokenExpiry reports when the OIDC token the client would
// exchange now expires (see credential.FederatedTokenExpiry).
func (c *Client) FederatedTokenExpiry() (credential.FederatedToken, bool) {
	return credential.FederatedTokenExpiry(c.tokens.cred)
}
