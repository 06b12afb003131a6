package graphemu

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Application permissions (app roles of Microsoft Graph) the emulator checks.
const (
	PermUserReadAll             = "User.Read.All"
	PermUserReadWriteAll        = "User.ReadWrite.All"
	PermDirectoryReadAll        = "Directory.Read.All"
	PermDirectoryReadWriteAll   = "Directory.ReadWrite.All"
	PermAuthMethodReadAll       = "UserAuthenticationMethod.Read.All"
	PermAuthMethodReadWriteAll  = "UserAuthenticationMethod.ReadWrite.All"
	PermPhoneMethodReadAll      = "UserAuthMethod-Phone.Read.All"
	PermPhoneMethodReadWriteAll = "UserAuthMethod-Phone.ReadWrite.All"
	PermEmailMethodReadAll      = "UserAuthMethod-Email.Read.All"
	PermEmailMethodReadWriteAll = "UserAuthMethod-Email.ReadWrite.All"
	PermAuditLogReadAll         = "AuditLog.Read.All"
)

// AllPermissions lists every permission the emulator knows, for an app that
// may do everything.
func AllPermissions() []string {
	return []string{
		PermUserReadAll, PermUserReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll,
		PermAuthMethodReadAll, PermAuthMethodReadWriteAll, PermPhoneMethodReadAll,
		PermPhoneMethodReadWriteAll, PermEmailMethodReadAll, PermEmailMethodReadWriteAll,
		PermAuditLogReadAll,
	}
}

// App is an app registration of the emulated tenant: a client that may ask the
// token endpoint for Graph tokens.
type App struct {
	Name     string
	ClientID string
	// ClientSecret is the registered secret; empty means the app has none
	// and authenticates only with a certificate.
	ClientSecret string
	// Certificates verify client assertions (JWTs signed with the
	// certificate's RSA key).
	Certificates []*x509.Certificate
	// Permissions are the application permissions granted (the "roles"
	// claim of its tokens).
	Permissions []string
}

// Default identities: fixed so that a test, the demo and a shell session can
// name them without asking a running emulator. They are not secrets: nothing
// outside this emulator accepts them.
const (
	DefaultTenantID     = "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012"
	DefaultClientID     = "3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56"
	DefaultClientSecret = "Emu8Q~graphemu-default-client-secret-000" //nolint:gosec // the emulator's own fixed test credential, documented as such
)

// DefaultApp is the app an emulator registers when Config.Apps is empty: every
// permission and a client secret.
func DefaultApp() App {
	return App{
		Name:         "aad-export",
		ClientID:     DefaultClientID,
		ClientSecret: DefaultClientSecret,
		Permissions:  AllPermissions(),
	}
}

// DefaultTokenLifetime is what Entra answers as expires_in.
const DefaultTokenLifetime = 3599 * time.Second

// Config configures an emulator. Only Tenant is required.
type Config struct {
	Tenant   *tenant.Tenant
	TenantID string // default DefaultTenantID
	Apps     []App  // default: DefaultApp()

	// ManagedIdentity is the client id of a registered app that the
	// App-Service-style managed-identity endpoint issues tokens for; empty
	// turns the endpoint off.
	ManagedIdentity string

	// TokenLifetime is the lifetime of issued access tokens (default 3599 s);
	// tests set a short one to make tokens expire in the middle of a read.
	TokenLifetime time.Duration

	Profile    Profile      // latency and throttling; the zero value is ZeroProfile()
	MaskPhones bool         // answer phone numbers masked, as an Authentication Administrator sees them
	CA         *CA          // TLS certificate authority; generated when nil
	Seed       int64        // seeds batch-response shuffles, fault rates and Retry-After styles
	Clock      Clock        // default: wall-clock time
	Log        *slog.Logger // the HTTP server's own errors (TLS handshakes); nil discards them

	// CountersEndpoint serves the counters over HTTP at CountersPath, for a
	// program (the benchmark) that runs the emulator in another process. It
	// is the emulator's own feature, not Graph's, and off by default.
	CountersEndpoint bool
}

// withDefaults validates cfg and fills in what was left out.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Tenant == nil {
		return cfg, errors.New("graphemu: Config.Tenant is required")
	}
	if cfg.TenantID == "" {
		cfg.TenantID = DefaultTenantID
	}
	if len(cfg.Apps) == 0 {
		cfg.Apps = []App{DefaultApp()}
	}
	cfg.Apps = cloneApps(cfg.Apps) // the caller may reuse its slices
	if err := checkApps(cfg.Apps); err != nil {
		return cfg, err
	}
	if cfg.ManagedIdentity != "" && findApp(cfg.Apps, cfg.ManagedIdentity) == nil {
		return cfg, fmt.Errorf("graphemu: managed identity %q is not a registered app", cfg.ManagedIdentity)
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = DefaultTokenLifetime
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Profile = cfg.Profile.withDefaults()
	return cfg, nil
}

func checkApps(apps []App) error {
	seen := make(map[string]bool, len(apps))
	for _, a := range apps {
		id := strings.ToLower(a.ClientID)
		switch {
		case id == "":
			return fmt.Errorf("graphemu: app %q has no client id", a.Name)
		case seen[id]:
			return fmt.Errorf("graphemu: client id %s registered twice", a.ClientID)
		case a.ClientSecret == "" && len(a.Certificates) == 0:
			return fmt.Errorf("graphemu: app %s has neither a secret nor a certificate", a.ClientID)
		}
		seen[id] = true
	}
	return nil
}

func cloneApps(apps []App) []App {
	out := make([]App, len(apps))
	for i, a := range apps {
		a.Certificates = slices.Clone(a.Certificates)
		a.Permissions = slices.Clone(a.Permissions)
		out[i] = a
	}
	return out
}

// findApp returns the app with the client id (case-insensitive, as Entra
// compares GUIDs), or nil.
func findApp(apps []App, clientID string) *App {
	for i := range apps {
		if strings.EqualFold(apps[i].ClientID, clientID) {
			return &apps[i]
		}
	}
	return nil
}
