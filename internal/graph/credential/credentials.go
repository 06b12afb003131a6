package credential

// Credentials say how to obtain tokens. Which kinds are tried, and in what
// order, is Kinds'; the caller only copies configuration into this struct.
type Credentials struct {
	TenantID string
	ClientID string

	// ClientIDFilePath names a file holding the client id (a secret
	// mounted as a file); Resolve reads it, trimmed. It must agree with
	// ClientID when both are set.
	ClientIDFilePath string

	ClientSecret string

	// ClientSecretFilePath names a file holding the client secret, read
	// like ClientIDFilePath. Neither it nor its content is ever logged.
	ClientSecretFilePath string

	// ClientCertificate is a PKCS#12 (.pfx) or PEM bundle holding the
	// certificate and its private key; ClientCertificatePath names a file with
	// the same content. At most one is set.
	ClientCertificate         []byte
	ClientCertificatePath     string
	ClientCertificatePassword string

	// OIDC: a federated token given directly, read from a file, or requested
	// from a GitHub-Actions-style endpoint with a bearer request token.
	UseOIDC           bool
	OIDCToken         string
	OIDCTokenFilePath string
	OIDCRequestURL    string
	OIDCRequestToken  string

	// UseAKSWorkloadIdentity authenticates with the federated token that
	// AKS's workload identity webhook projects into the pod (Workload),
	// through the OIDC kind.
	UseAKSWorkloadIdentity bool
	Workload               WorkloadIdentity

	UseMSI      bool
	MSIEndpoint string // optional override of the managed identity endpoint

	UseCLI bool
}
