package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck turns a plain check into a schema validator, so that the same
// rule validates the configuration at plan time and values that come from
// the environment when the provider is configured.
type stringCheck struct {
	description string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func guid() stringCheck {
	return stringCheck{description: "value must be a GUID", check: checkGUID}
}

func endpoint() stringCheck {
	return stringCheck{description: "value must be an https URL, or an http URL of a loopback host", check: checkEndpoint}
}

func requestURL() stringCheck {
	return stringCheck{description: "value must be an https URL, or an http URL of a loopback host", check: checkRequestURL}
}

func httpsURL() stringCheck {
	return stringCheck{description: "value must be an https URL", check: checkHTTPSURL}
}

func absoluteURL() stringCheck {
	return stringCheck{description: "value must be an absolute http or https URL", check: checkAbsoluteURL}
}

func base64Value() stringCheck {
	return stringCheck{description: "value must be base64-encoded", check: checkBase64}
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
}

// checkGUID accepts the 8-4-4-4-12 hex form Entra uses for tenant, client
// and object IDs.
func checkGUID(s string) error {
	err := fmt.Errorf("%q is not a GUID (expected the form 00000000-0000-0000-0000-000000000000)", s)
	if len(s) != 36 {
		return err
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return err
			}
		default:
			if !isHex(c) {
				return err
			}
		}
	}
	return nil
}

func isHex(c rune) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// checkEndpoint accepts https URLs, and plain http only to a loopback host,
// where no network can read the bearer token on its way.
func checkEndpoint(s string) error {
	u, err := parseBaseURL(s)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%q uses plain http to a host that is not loopback (localhost, 127.0.0.1 or [::1]): "+
			"bearer tokens would cross the network unencrypted; use https", s)
	default:
		return fmt.Errorf("%q must use https", s)
	}
}

// checkRequestURL is checkEndpoint for a URL that is called as given: a
// query is part of it (GitHub's token request URL carries api-version).
func checkRequestURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an absolute URL without credentials", s)
	}
	u.RawQuery = ""
	return checkEndpoint(u.String())
}

// checkHTTPSURL accepts https URLs only: Entra ID libraries refuse to fetch
// tokens from an authority over plain http, even on loopback.
func checkHTTPSURL(s string) error {
	u, err := parseBaseURL(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q must use https", s)
	}
	return nil
}

// checkAbsoluteURL accepts http and https: managed identity endpoints are
// plain http on a link-local or loopback address by design.
func checkAbsoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return nil
}

// parseBaseURL parses an endpoint: scheme and host, maybe a path, never
// credentials, a query or a fragment (they would be silently dropped or leak).
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an absolute URL such as https://graph.example.net", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not hold credentials, a query or a fragment", s)
	}
	return u, nil
}

// isLoopback accepts the names the Graph SDK itself sends a token to over
// plain http: localhost, 127.0.0.1 and ::1 (not the rest of 127.0.0.0/8).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// checkBase64 never quotes the value: it is a private key.
func checkBase64(s string) error {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return errors.New("the value is not valid standard base64 (e.g. the output of filebase64())")
	}
	if len(b) == 0 {
		return errors.New("the value is empty")
	}
	return nil
}

func checkEnvironment(s string) error {
	if _, ok := cloudByName(s); !ok {
		return fmt.Errorf("%q is not a cloud environment; use one of %s", s, strings.Join(environmentNames(), ", "))
	}
	return nil
}
