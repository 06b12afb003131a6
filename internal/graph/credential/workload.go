package credential

import (
	"os"
	"strings"
)

// WorkloadIdentity is what AKS's workload identity webhook sets in a pod's
// environment for the identity its service account is federated with.
type WorkloadIdentity struct {
	TokenFile string // the projected service account token, renewed by the kubelet
	ClientID  string
	TenantID  string
}

// The webhook's variables (as azidentity's WorkloadIdentityCredential reads
// them).
const (
	EnvFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
	EnvClientID           = "AZURE_CLIENT_ID"
	EnvTenantID           = "AZURE_TENANT_ID"
)

// WorkloadIdentityFromEnv reads the webhook's variables through lookup (the
// process environment, or a test's); an empty one counts as unset.
func WorkloadIdentityFromEnv(lookup func(string) (string, bool)) WorkloadIdentity {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	return WorkloadIdentity{TokenFile: get(EnvFederatedTokenFile), ClientID: get(EnvClientID), TenantID: get(EnvTenantID)}
}

// Resolve reads what Credentials point to rather than hold, as the azuread
// provider does when it is configured: the client id and secret files, and
// AKS's workload identity. It returns credentials that hold the values
// (and clears the pointers, so resolving twice reads nothing twice). Only
// the federated token stays a file, named by OIDCTokenFilePath, to be read
// again at each renewal: the kubelet replaces it before it expires.
//
// A value read must agree with the same value given directly; a file that
// cannot be read, or holds nothing, is an error naming the field, never the
// file's content.
func Resolve(c Credentials) (Credentials, error) {
	var err error
	if c.ClientID, err = fromFile("ClientIDFilePath", c.ClientIDFilePath, "ClientID", c.ClientID); err != nil {
		return c, err
	}
	if c.ClientSecret, err = fromFile("ClientSecretFilePath", c.ClientSecretFilePath, "ClientSecret", c.ClientSecret); err != nil {
		return c, err
	}
	c.ClientIDFilePath, c.ClientSecretFilePath = "", ""
	if !c.UseAKSWorkloadIdentity {
		return c, nil
	}
	return c.withWorkload()
}

// fromFile returns the trimmed content of the file field names (path), or
// given when path is "". The two must agree when both are set.
func fromFile(field, path, givenField, given string) (string, error) {
	if path == "" {
		return given, nil
	}
	v, err := readTrimmed(path)
	switch {
	case err != nil:
		return "", &FieldError{Field: field, Problem: "cannot be read", Err: err}
	case v == "":
		return "", fieldError(field, "names an empty file")
	case given != "" && given != v:
		return "", fieldError(field, "holds another value than {"+givenField+"}: set one of them, or make them agree")
	}
	return v, nil
}

// withWorkload applies AKS's workload identity: its tenant and client ids,
// which must agree with those given, and its token file, whose token must
// agree with a token given; the OIDC kind then uses them.
func (c Credentials) withWorkload() (Credentials, error) {
	w := c.Workload
	for _, id := range []struct {
		field, env string
		given      *string
		aks        string
	}{
		{"TenantID", EnvTenantID, &c.TenantID, w.TenantID},
		{"ClientID", EnvClientID, &c.ClientID, w.ClientID},
	} {
		switch {
		case id.aks == "":
		case *id.given != "" && *id.given != id.aks:
			return c, fieldError(id.field, "differs from "+id.env+", which AKS workload identity sets: "+
				"remove one, make them agree, or turn {UseAKSWorkloadIdentity} off")
		default:
			*id.given = id.aks
		}
	}
	if w.TokenFile != "" {
		if err := c.agreeWithTokenFile(w.TokenFile); err != nil {
			return c, err
		}
		c.OIDCToken, c.OIDCTokenFilePath = "", w.TokenFile
	} else if c.OIDCToken == "" && c.OIDCTokenFilePath == "" && c.OIDCRequestURL == "" {
		return c, &FieldError{Field: "UseAKSWorkloadIdentity", Unset: true,
			Problem: "is set but " + EnvFederatedTokenFile + " is not (is the pod's service account federated?), and neither is {OIDCToken}, {OIDCTokenFilePath} or {OIDCRequestURL}"}
	}
	c.UseOIDC, c.Workload = true, WorkloadIdentity{}
	return c, nil
}

// agreeWithTokenFile reads AKS's token file now, so that a missing file is
// found at configure time, and checks a token given otherwise is the same.
func (c Credentials) agreeWithTokenFile(path string) error {
	aks, err := readTrimmed(path)
	switch {
	case err != nil:
		return &FieldError{Field: "UseAKSWorkloadIdentity", Problem: "is set but " + EnvFederatedTokenFile + " names a file that cannot be read", Err: err}
	case aks == "":
		return fieldError("UseAKSWorkloadIdentity", "is set but "+EnvFederatedTokenFile+" names an empty file")
	}
	given := c.OIDCToken
	if given == "" && c.OIDCTokenFilePath != "" && c.OIDCTokenFilePath != path {
		if given, err = readTrimmed(c.OIDCTokenFilePath); err != nil {
			return &FieldError{Field: "OIDCTokenFilePath", Problem: "cannot be read", Err: err}
		}
	}
	if given != "" && given != aks {
		return fieldError("UseAKSWorkloadIdentity", "is set, and the token in "+EnvFederatedTokenFile+
			" differs from the one {OIDCToken} or {OIDCTokenFilePath} gives: remove one, make them agree, or turn it off")
	}
	return nil
}

// readTrimmed is a file's content without surrounding white space.
func readTrimmed(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}
