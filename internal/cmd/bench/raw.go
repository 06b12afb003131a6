package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
)

// The raw lower bound: what listing the users costs with nothing but the
// standard library. One token by a plain form POST, one nextLink chain of
// $select+$top=999 pages decoded by encoding/json into a struct, each user
// written by encoding/csv as Graph returns it. No SDK, no partitions, no
// sort, no checksum, no formula escaping, no retries: less work than any
// real export does, which is what makes it a floor.

// rawUser holds the 23 list columns' properties.
type rawUser struct {
	UserPrincipalName           string   `json:"userPrincipalName"`
	DisplayName                 string   `json:"displayName"`
	Surname                     string   `json:"surname"`
	Mail                        string   `json:"mail"`
	GivenName                   string   `json:"givenName"`
	ID                          string   `json:"id"`
	UserType                    string   `json:"userType"`
	JobTitle                    string   `json:"jobTitle"`
	Department                  string   `json:"department"`
	AccountEnabled              *bool    `json:"accountEnabled"`
	UsageLocation               string   `json:"usageLocation"`
	StreetAddress               string   `json:"streetAddress"`
	State                       string   `json:"state"`
	Country                     string   `json:"country"`
	OfficeLocation              string   `json:"officeLocation"`
	City                        string   `json:"city"`
	PostalCode                  string   `json:"postalCode"`
	BusinessPhones              []string `json:"businessPhones"`
	MobilePhone                 string   `json:"mobilePhone"`
	OtherMails                  []string `json:"otherMails"`
	AgeGroup                    string   `json:"ageGroup"`
	ConsentProvidedForMinor     string   `json:"consentProvidedForMinor"`
	LegalAgeGroupClassification string   `json:"legalAgeGroupClassification"`
}

// rawSelect is the $select of the 23 list columns, in column order.
const rawSelect = "userPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department,accountEnabled," +
	"usageLocation,streetAddress,state,country,officeLocation,city,postalCode,businessPhones,mobilePhone,otherMails," +
	"ageGroup,consentProvidedForMinor,legalAgeGroupClassification"

func (u *rawUser) record(rec []string) []string {
	enabled := ""
	if u.AccountEnabled != nil {
		enabled = "False"
		if *u.AccountEnabled {
			enabled = "True"
		}
	}
	phone := ""
	if len(u.BusinessPhones) > 0 {
		phone = u.BusinessPhones[0]
	}
	return append(rec[:0], u.UserPrincipalName, u.DisplayName, u.Surname, u.Mail, u.GivenName, u.ID, u.UserType,
		u.JobTitle, u.Department, enabled, u.UsageLocation, u.StreetAddress, u.State, u.Country, u.OfficeLocation,
		u.City, u.PostalCode, phone, u.MobilePhone, strings.Join(u.OtherMails, ";"), u.AgeGroup,
		u.ConsentProvidedForMinor, u.LegalAgeGroupClassification)
}

type rawPage struct {
	Value    []rawUser `json:"value"`
	NextLink string    `json:"@odata.nextLink"`
}

// rawExport runs the raw lower bound; it takes the list columns only.
func rawExport(ctx context.Context, j job) (outcome, error) {
	if !slices.Equal(j.Columns, listColumns()) {
		return outcome{}, errors.New("the raw lower bound writes the 23 list columns only")
	}
	client, err := trustingClient(os.Getenv("SSL_CERT_FILE"))
	if err != nil {
		return outcome{}, err
	}
	token, err := rawToken(ctx, client)
	if err != nil {
		return outcome{}, err
	}
	f, err := os.OpenFile(j.Output, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return outcome{}, err
	}
	n, err := rawList(ctx, client, token, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return outcome{Users: n}, err
}

// rawToken asks the token endpoint for a Graph token with the client secret.
func rawToken(ctx context.Context, client *http.Client) (string, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {os.Getenv("ARM_CLIENT_ID")},
		"client_secret": {os.Getenv("ARM_CLIENT_SECRET")},
		"scope":         {os.Getenv("AAD_EMULATOR_URL") + "/.default"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, os.Getenv("AAD_EMULATOR_TOKEN_URL"), strings.NewReader(form.Encode())) //nolint:gosec // the emulator's token endpoint, from its env file
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := rawDo(client, req, &tok); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tok.AccessToken, nil
}

// rawList follows one chain and writes every user to w as CSV.
func rawList(ctx context.Context, client *http.Client, token string, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(listColumns()); err != nil {
		return 0, err
	}
	first := os.Getenv("AAD_EMULATOR_GRAPH_URL") + "/users?$select=" + rawSelect + "&$top=999"
	base, err := url.Parse(first)
	if err != nil {
		return 0, err
	}
	next := first
	rec := make([]string, 0, 23)
	n := 0
	for next != "" {
		if err := sameOrigin(base, next); err != nil {
			return n, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, http.NoBody) //nolint:gosec // a nextLink to the same origin (checked above)
		if err != nil {
			return n, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		// Sized for a full page up front, as any careful decoder would:
		// growing the slice by appending copies it over and over.
		page := rawPage{Value: make([]rawUser, 0, 999)}
		if err := rawDo(client, req, &page); err != nil {
			return n, fmt.Errorf("list: %w", err)
		}
		for i := range page.Value {
			rec = page.Value[i].record(rec)
			if err := cw.Write(rec); err != nil {
				return n, err
			}
		}
		n += len(page.Value)
		next = page.NextLink
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// sameOrigin refuses a nextLink to another host: the token goes with it.
func sameOrigin(base *url.URL, link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return fmt.Errorf("nextLink to %s://%s, not to %s", u.Scheme, u.Host, base.Host)
	}
	return nil
}

// rawDo sends req and decodes a 200 answer into v.
func rawDo(client *http.Client, req *http.Request, v any) error {
	resp, err := client.Do(req) //nolint:gosec // requests to the emulator only (see the callers)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // decoded whole below; a close error changes nothing
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10)) // for the message only
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}
