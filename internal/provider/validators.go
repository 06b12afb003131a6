package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
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

func objectID() stringCheck {
	return stringCheck{description: "value must be a GUID", check: checkObjectID}
}

func endpoint() stringCheck {
	return stringCheck{description: "value must be an https URL, or an http URL of a loopback host", check: graph.CheckGraphEndpoint}
}

func requestURL() stringCheck {
	return stringCheck{description: "value must be an https URL, or an http URL of a loopback host, without credentials", check: credential.CheckOIDCRequestURL}
}

func authorityHost() stringCheck {
	return stringCheck{description: "value must be an https URL", check: graph.CheckAuthorityHost}
}

func msiEndpoint() stringCheck {
	return stringCheck{description: "value must be an https URL, or an http URL of a loopback or link-local address", check: credential.CheckMSIEndpoint}
}

func environment() stringCheck {
	return stringCheck{description: "value must be a national cloud's name", check: checkEnvironment}
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
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), inTerraformWords(err))
	}
}

// guidForm is how a GUID is written, for errors about values that are not.
const guidForm = "00000000-0000-0000-0000-000000000000"

// checkGUID accepts the 8-4-4-4-12 hex form Entra uses for tenant and
// client IDs. It never quotes a value that is not one: ARM_CLIENT_ID and
// ARM_CLIENT_SECRET sit side by side, and a secret pasted into the wrong one
// must not be printed back.
func checkGUID(s string) error {
	if !credential.IsGUID(s) {
		return errors.New("the value is not a GUID (expected the form " + guidForm + "; a tenant's domain name is not accepted, " +
			"use its tenant ID). It is not shown, in case it is a secret set in the wrong place")
	}
	return nil
}

// checkObjectID is checkGUID for the object IDs that select users, which
// are shown: they are the selection itself, kept in state as configured.
func checkObjectID(s string) error {
	if !credential.IsGUID(s) {
		return fmt.Errorf("%q is not a GUID (expected the form %s)", s, guidForm)
	}
	return nil
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

// checkEnvironment accepts the names graph knows, the azuread provider's
// older ones included, in any case.
func checkEnvironment(s string) error {
	_, err := graph.ParseCloud(s)
	return err
}
