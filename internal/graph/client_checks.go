package graph

// The checks New applies to its configuration, exported so that the provider
// can report a bad value against its attribute at plan time with exactly the
// rules the client enforces. Each is the function New itself uses (the
// credential package exports those of Credentials). Their errors are
// *credential.FieldError, and say what is wrong with a value without
// repeating it whole: a URL's user info or query may hold a secret.

// CheckGraphEndpoint checks a Graph endpoint override (Config.GraphEndpoint):
// https://host[:port][/path], or plain http to a loopback host only; no
// credentials, query or fragment. "" (no override) is valid.
func CheckGraphEndpoint(raw string) error {
	_, err := parseEndpoint("GraphEndpoint", raw, "", true)
	return err
}

// CheckAuthorityHost checks an authority host override
// (Config.AuthorityHost): https only, as azidentity requires. "" (no
// override) is valid.
func CheckAuthorityHost(raw string) error {
	_, err := parseEndpoint("AuthorityHost", raw, "", false)
	return err
}

// ParseCloud maps a cloud name to its Cloud: "public", "usgovernment",
// "dod" or "china", or the azuread provider's older names "global",
// "usgovernmentl4" and "usgovernmentl5", in any case; "" is the public cloud.
func ParseCloud(name string) (Cloud, error) {
	return parseCloud(name)
}
