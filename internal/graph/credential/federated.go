package credential

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// FederatedToken describes the OIDC token a credential exchanges for
// access tokens when it cannot ask for a fresh one: given as OIDCToken, or
// read from OIDCTokenFilePath (read again at each renewal, so fresh only if
// something replaces it).
type FederatedToken struct {
	Expires  time.Time // its exp claim
	FromFile bool
}

// FederatedTokenExpiry reports when the OIDC token cred (built by New)
// would exchange now expires: a token given, or the one its file holds
// now. It is false for other credentials, for a token requested from
// OIDCRequestURL (asked for anew at each renewal), for AKS's projected
// token (which the kubelet replaces before it expires), and for a token whose
// exp claim cannot be read (Entra will say what is wrong with it). The
// signature is not checked: Entra checks it; this is only for an early
// warning. The token itself is neither kept nor logged.
func FederatedTokenExpiry(cred azcore.TokenCredential) (FederatedToken, bool) {
	a, ok := cred.(*assertionCredential)
	if !ok || a.src.requestURL != nil || a.src.kubelet {
		return FederatedToken{}, false
	}
	token := a.src.token
	if a.src.file != "" {
		b, err := os.ReadFile(a.src.file)
		if err != nil {
			return FederatedToken{}, false
		}
		token = strings.TrimSpace(string(b))
	}
	exp, ok := jwtExpiry(token)
	return FederatedToken{Expires: exp, FromFile: a.src.file != ""}, ok
}

// maxJWTExpiry bounds the exp claims read: beyond it (year 9999) a time
// would overflow, and no token lives that long.
const maxJWTExpiry = 253402300799

// jwtExpiry reads the exp claim (seconds since the epoch, maybe with a
// fraction) of a compact JWT, without checking its signature.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	exp := *claims.Exp
	if math.IsNaN(exp) || exp <= 0 || exp > maxJWTExpiry {
		return time.Time{}, false
	}
	secs, frac := math.Modf(exp)
	return time.Unix(int64(secs), int64(frac*float64(time.Second))), true
}
