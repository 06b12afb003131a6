package graph

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// cloudHosts are the well-known hosts of one national cloud.
type cloudHosts struct {
	login string // Microsoft Entra authority host
	graph string // Microsoft Graph host
}

// parseCloud maps a cloud name to its Cloud: the four names, the azuread
// provider's older synonyms (global, usgovernmentl4, usgovernmentl5), in any
// case; "" is the public cloud.
func parseCloud(name string) (Cloud, error) {
	switch strings.ToLower(name) {
	case "", "public", "global":
		return CloudPublic, nil
	case "usgovernment", "usgovernmentl4":
		return CloudUSGovernment, nil
	case "dod", "usgovernmentl5":
		return CloudDoD, nil
	case "china":
		return CloudChina, nil
	}
	return "", fmt.Errorf("unknown cloud %q: valid clouds are %s (or the azuread provider's global, usgovernmentl4, usgovernmentl5)", name, cloudNames())
}

// cloudOf returns the hosts of a national cloud, as parseCloud names it.
func cloudOf(c Cloud) cloudHosts {
	switch c {
	case CloudUSGovernment:
		return cloudHosts{login: "login.microsoftonline.us", graph: "graph.microsoft.us"}
	case CloudDoD:
		return cloudHosts{login: "login.microsoftonline.us", graph: "dod-graph.microsoft.us"}
	case CloudChina:
		return cloudHosts{login: "login.chinacloudapi.cn", graph: "microsoftgraph.chinacloudapi.cn"}
	default:
		return cloudHosts{login: "login.microsoftonline.com", graph: "graph.microsoft.com"}
	}
}

// microsoftAuthority reports whether host is an Entra authority host that
// azidentity may run instance discovery against; any other host (a proxy,
// the emulator) must not be sent there.
func microsoftAuthority(host string) bool {
	switch strings.ToLower(host) {
	case "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "login.microsoftonline.us", "login.chinacloudapi.cn":
		return true
	}
	return false
}

// endpoints is the resolved network configuration of a Client.
type endpoints struct {
	graphURL  *url.URL // scheme://host[:port][/path], no trailing slash, no version
	authority *url.URL // scheme://host[:port]/
	scope     string   // the token scope: the cloud's Graph resource + "/.default"

	// instanceDiscovery is false for authority hosts that are not Microsoft's.
	instanceDiscovery bool
}

// baseURL is the Graph API root every request is relative to.
func (e endpoints) baseURL() string { return e.graphURL.String() + "/v1.0" }

// graphHost is the host name (without port) the token may be sent to.
func (e endpoints) graphHost() string { return strings.ToLower(e.graphURL.Hostname()) }

// cloudNames lists the accepted Cloud values for error messages.
func cloudNames() string {
	return strings.Join([]string{string(CloudPublic), string(CloudUSGovernment), string(CloudDoD), string(CloudChina)}, ", ")
}

// resolveEndpoints applies the overrides of cfg to its cloud's hosts.
//
// The token scope stays the cloud's Graph resource even when GraphEndpoint is
// overridden: Entra issues tokens for registered resources only, and a proxy
// in front of Graph forwards the token it is given.
func resolveEndpoints(cfg Config) (endpoints, error) {
	name, err := parseCloud(string(cfg.Cloud))
	if err != nil {
		return endpoints{}, err
	}
	hosts := cloudOf(name)
	graphURL, err := parseEndpoint("GraphEndpoint", cfg.GraphEndpoint, hosts.graph, true)
	if err != nil {
		return endpoints{}, err
	}
	authority, err := parseEndpoint("AuthorityHost", cfg.AuthorityHost, hosts.login, false)
	if err != nil {
		return endpoints{}, err
	}
	authority.Path = "/"
	return endpoints{
		graphURL:          graphURL,
		authority:         authority,
		scope:             "https://" + hosts.graph + "/.default",
		instanceDiscovery: microsoftAuthority(authority.Hostname()),
	}, nil
}

// parseEndpoint validates an endpoint override (or the cloud's default host).
// Plain http is accepted for the Graph endpoint only on loopback, because the
// token would otherwise cross the network in clear; the authority host must be
// https because azidentity refuses anything else. Errors show at most the
// scheme and host of the value: its user info or query may hold a secret.
func parseEndpoint(field, raw, defaultHost string, allowLoopbackHTTP bool) (*url.URL, error) {
	if raw == "" {
		return &url.URL{Scheme: "https", Host: defaultHost}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &credential.FieldError{Field: field, Problem: "is not a URL", Err: urlProblem(err)}
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &credential.FieldError{Field: field,
			Problem: "must be a URL of the form https://host[:port][/path] without credentials, query or fragment"}
	}
	switch {
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && allowLoopbackHTTP && credential.IsLoopbackHost(u.Hostname()):
	case strings.EqualFold(u.Scheme, "http") && allowLoopbackHTTP:
		return nil, &credential.FieldError{Field: field,
			Problem: "http://" + u.Host + " uses plain http: only https is allowed, or http to localhost, 127.0.0.1 or [::1]"}
	default:
		return nil, &credential.FieldError{Field: field, Problem: u.Scheme + "://" + u.Host + " must use https"}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1.0")
	u.RawPath = ""
	return u, nil
}

// urlProblem is what url.Parse found wrong, without the URL it quotes.
func urlProblem(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
