package graph

import (
	"net/http"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	kform "github.com/microsoft/kiota-serialization-form-go"
	kjson "github.com/microsoft/kiota-serialization-json-go"
	ktext "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// graphServiceVersion is the Graph API version the client speaks.
const graphServiceVersion = "v1.0"

// newAdapter builds the kiota request adapter: the azure-identity auth
// provider (with the Graph host allowed, or it silently sends no
// Authorization header), serializers registered on registries of our own
// rather than kiota's process-wide defaults, and an explicit middleware chain
// without kiota's RetryHandler, so that the client's retry policy is the only
// one.
func newAdapter(ep endpoints, cred azcore.TokenCredential, transport http.RoundTripper, userAgent string) (*khttp.NetHttpRequestAdapter, error) {
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHostsAndObservabilityOptionsAndIsCaeEnabled(
		cred, []string{ep.scope}, []string{ep.graphHost()}, kauth.ObservabilityOptions{}, true)
	if err != nil {
		return nil, err
	}
	parsers := absser.NewParseNodeFactoryRegistry()
	for _, f := range []absser.ParseNodeFactory{kjson.NewJsonParseNodeFactory(), ktext.NewTextParseNodeFactory(), kform.NewFormParseNodeFactory()} {
		ct, err := f.GetValidContentType()
		if err != nil {
			return nil, err
		}
		parsers.ContentTypeAssociatedFactories[ct] = f
	}
	writers := absser.NewSerializationWriterFactoryRegistry()
	for _, f := range []absser.SerializationWriterFactory{kjson.NewJsonSerializationWriterFactory(), ktext.NewTextSerializationWriterFactory(), kform.NewFormSerializationWriterFactory()} {
		ct, err := f.GetValidContentType()
		if err != nil {
			return nil, err
		}
		writers.ContentTypeAssociatedFactories[ct] = f
	}
	client := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(transport, middlewares(userAgent)...),
		// Graph list and batch calls do not redirect; a redirect would
		// carry the token to wherever it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, parsers, writers, client)
	if err != nil {
		return nil, err
	}
	adapter.SetBaseUrl(ep.baseURL())
	return adapter, nil
}

// middlewares is the chain every Graph request passes, outermost first:
// telemetry (SdkVersion and a client-request-id Graph echoes back), the user
// agent (the caller's product first), and the decoding of $-prefixed query names that URI templates must
// escape. There is no retry and no redirect handler.
func middlewares(userAgent string) []khttp.Middleware {
	return []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&msgraphcore.GraphClientOptions{
			GraphServiceVersion:        graphServiceVersion,
			GraphServiceLibraryVersion: msgraphcore.CoreVersion,
		}),
		userAgentPrefix(userAgent),
		khttp.NewUserAgentHandler(),
		khttp.NewParametersNameDecodingHandler(),
	}
}

// userAgentPrefix starts the User-Agent with the caller's product; kiota's
// handler after it appends the SDK's.
type userAgentPrefix string

func (p userAgentPrefix) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if p != "" {
		req.Header.Set("User-Agent", string(p))
	}
	return pipeline.Next(req, index)
}

// perStreamReceiveBuffer bounds the response bytes HTTP/2 accepts on one
// stream before the client reads them (Go's default is 4 MiB). A page waiting
// for a page slot stays mostly on Graph's side, not in this process.
const perStreamReceiveBuffer = 256 << 10

// newTransport clones the configured transport (never mutating the caller's)
// and sizes it for MaxConcurrency requests in flight, so that every client
// sharing it (WithConcurrency) is served: its idle pool, because the default
// of two idle connections per host would make most requests open a new TLS
// connection; and its HTTP/2 receive buffers.
//
// Those buffers are flow-control limits, not allocations: memory is taken
// only by response bytes that arrive before the client reads them. Each
// stream may hold at most perStreamReceiveBuffer unread, so pages that arrive
// while every page slot is taken cost at most that much each, whatever the
// limits. The connection's limit is as large as all streams' together: were
// it smaller, the streams waiting for a slot could fill it and starve the
// streams being read, which hold the slots.
func newTransport(c *http.Client) http.RoundTripper {
	base := http.DefaultTransport
	if c != nil && c.Transport != nil {
		base = c.Transport
	}
	t, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, 2*MaxConcurrency)
	t.MaxIdleConns = max(t.MaxIdleConns, 2*MaxConcurrency)
	t.ForceAttemptHTTP2 = true
	h2 := http.HTTP2Config{}
	if t.HTTP2 != nil {
		h2 = *t.HTTP2
	}
	h2.MaxReceiveBufferPerStream = perStreamReceiveBuffer
	h2.MaxReceiveBufferPerConnection = max(4<<20, perStreamReceiveBuffer*(MaxConcurrency+1))
	t.HTTP2 = &h2
	return t
}
