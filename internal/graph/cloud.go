package graph

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// cloudHosts are the well-known hosts of one national cloud.
type cloudHosts struct {
	login string // Microsoft Entra authority host
	graph string // Microsoft Graph host
}

// cloudOf returns the hosts of a national cloud (names as the azuread
// provider spells them, in any case).
func cloudOf(name Cloud) (cloudHosts, bool) {
	switch Cloud(strings.ToLower(string(name))) {
	case CloudPublic:
		return cloudHosts{login: "login.microsoftonline.com", graph: "graph.microsoft.com"}, true
	case CloudUSGovernment:
		return cloudHosts{login: "login.microsoftonline.us", graph: "graph.microsoft.us"}, true
	case CloudDoD:
		return cloudHosts{login: "login.microsoftonline.us", graph: "dod-graph.microsoft.us"}, true
	case CloudChina:
		return cloudHosts{login: "login.chinacloudapi.cn", graph: "microsoftgraph.chinacloudapi.cn"}, true
	}
	return cloudHosts{}, false
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
	name := cfg.Cloud
	if name == "" {
		name = CloudPublic
	}
	hosts, ok := cloudOf(name)
	if !ok {
		return endpoints{}, fmt.Errorf("unknown cloud %q: valid clouds are %s", cfg.Cloud, cloudNames())
	}
	graphURL, err := parseEndpoint("graph_endpoint", cfg.GraphEndpoint, hosts.graph, true)
	if err != nil {
		return endpoints{}, err
	}
	authority, err := parseEndpoint("authority_host", cfg.AuthorityHost, hosts.login, false)
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
// https because azidentity refuses anything else.
func parseEndpoint(attr, raw, defaultHost string, allowLoopbackHTTP bool) (*url.URL, error) {
	if raw == "" {
		return &url.URL{Scheme: "https", Host: defaultHost}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a URL: %w", attr, raw, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q must be a URL of the form https://host[:port][/path] without credentials, query or fragment", attr, raw)
	}
	switch {
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && allowLoopbackHTTP && isLoopbackHost(u.Hostname()):
	case strings.EqualFold(u.Scheme, "http") && allowLoopbackHTTP:
		return nil, fmt.Errorf("%s %q uses plain http: only https is allowed, or http to localhost, 127.0.0.1 or [::1]", attr, raw)
	default:
		return nil, fmt.Errorf("%s %q must use https", attr, raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1.0")
	u.RawPath = ""
	return u, nil
}

// isLoopbackHost reports whether host is one the Graph auth provider treats
// as local (it sends tokens over plain http to these names only).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}
