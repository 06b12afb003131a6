package graph

import (
	"strings"
	"testing"
)

func TestResolveEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		cfg                    Config
		base, authority, scope string
		discovery              bool
		err                    string
	}{
		{name: "default is public", base: "https://graph.microsoft.com/v1.0", authority: "https://login.microsoftonline.com/",
			scope: "https://graph.microsoft.com/.default", discovery: true},
		{name: "us government", cfg: Config{Cloud: CloudUSGovernment}, base: "https://graph.microsoft.us/v1.0",
			authority: "https://login.microsoftonline.us/", scope: "https://graph.microsoft.us/.default", discovery: true},
		{name: "dod", cfg: Config{Cloud: CloudDoD}, base: "https://dod-graph.microsoft.us/v1.0",
			authority: "https://login.microsoftonline.us/", scope: "https://dod-graph.microsoft.us/.default", discovery: true},
		{name: "china", cfg: Config{Cloud: CloudChina}, base: "https://microsoftgraph.chinacloudapi.cn/v1.0",
			authority: "https://login.chinacloudapi.cn/", scope: "https://microsoftgraph.chinacloudapi.cn/.default", discovery: true},
		{name: "cloud names ignore case", cfg: Config{Cloud: "China"}, base: "https://microsoftgraph.chinacloudapi.cn/v1.0",
			authority: "https://login.chinacloudapi.cn/", scope: "https://microsoftgraph.chinacloudapi.cn/.default", discovery: true},
		{name: "azuread's older names", cfg: Config{Cloud: "UsGovernmentL5"}, base: "https://dod-graph.microsoft.us/v1.0",
			authority: "https://login.microsoftonline.us/", scope: "https://dod-graph.microsoft.us/.default", discovery: true},
		{name: "overrides keep the cloud's scope", cfg: Config{GraphEndpoint: "https://proxy.example.net/graph/", AuthorityHost: "https://sts.example.net"},
			base: "https://proxy.example.net/graph/v1.0", authority: "https://sts.example.net/", scope: "https://graph.microsoft.com/.default"},
		{name: "version suffix is dropped", cfg: Config{GraphEndpoint: "https://graph.example.net/v1.0"},
			base: "https://graph.example.net/v1.0", authority: "https://login.microsoftonline.com/", scope: "https://graph.microsoft.com/.default", discovery: true},
		{name: "plain http on loopback", cfg: Config{GraphEndpoint: "http://127.0.0.1:8080"},
			base: "http://127.0.0.1:8080/v1.0", authority: "https://login.microsoftonline.com/", scope: "https://graph.microsoft.com/.default", discovery: true},
		{name: "plain http on localhost", cfg: Config{GraphEndpoint: "http://localhost:8080"},
			base: "http://localhost:8080/v1.0", authority: "https://login.microsoftonline.com/", scope: "https://graph.microsoft.com/.default", discovery: true},
		{name: "plain http on [::1]", cfg: Config{GraphEndpoint: "http://[::1]:8080"},
			base: "http://[::1]:8080/v1.0", authority: "https://login.microsoftonline.com/", scope: "https://graph.microsoft.com/.default", discovery: true},
		{name: "plain http elsewhere", cfg: Config{GraphEndpoint: "http://graph.example.net"}, err: "plain http"},
		{name: "plain http to a private address", cfg: Config{GraphEndpoint: "http://10.0.0.1"}, err: "plain http"},
		{name: "authority must be https", cfg: Config{AuthorityHost: "http://127.0.0.1:8443"}, err: "must use https"},
		{name: "unknown cloud", cfg: Config{Cloud: "mars"}, err: "valid clouds are public, usgovernment, dod, china"},
		{name: "credentials in the URL", cfg: Config{GraphEndpoint: "https://user:pw@graph.example.net"}, err: "without credentials"},
		{name: "a query", cfg: Config{GraphEndpoint: "https://graph.example.net?x=1"}, err: "without credentials, query"},
		{name: "not a URL", cfg: Config{GraphEndpoint: "graph.example.net"}, err: "https://host"},
		{name: "ftp", cfg: Config{GraphEndpoint: "ftp://graph.example.net"}, err: "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ep, err := resolveEndpoints(tt.cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.baseURL() != tt.base || ep.authority.String() != tt.authority || ep.scope != tt.scope || ep.instanceDiscovery != tt.discovery {
				t.Errorf("got base %s authority %s scope %s discovery %v; want %s %s %s %v",
					ep.baseURL(), ep.authority, ep.scope, ep.instanceDiscovery, tt.base, tt.authority, tt.scope, tt.discovery)
			}
		})
	}
}
