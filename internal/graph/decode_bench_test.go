package graph

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// benchPage is a full page of 999 users with the list columns, as the
// emulator renders it.
func benchPage(b *testing.B) []byte {
	b.Helper()
	tn, err := tenant.Generate(tenant.GenerateOptions{Seed: 61, Users: 999})
	if err != nil {
		b.Fatal(err)
	}
	page, gerr := tn.ListUsers(url.Values{"$select": {strings.Join(listColumns(), ",")}, "$top": {"999"}}, false)
	if gerr != nil {
		b.Fatal(gerr.Message)
	}
	return []byte(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":` + string(page.Value) + `}`)
}

// plainUser is the struct a hand-written exporter would decode into: the
// list columns and nothing else. Decoding into it is the lower bound.
type plainUser struct {
	UserPrincipalName, DisplayName, Surname, Mail, GivenName, ID, UserType, JobTitle, Department string
	AccountEnabled                                                                               *bool
	UsageLocation, StreetAddress, State, Country, OfficeLocation, City, PostalCode               string
	BusinessPhones                                                                               []string
	MobilePhone                                                                                  string
	OtherMails                                                                                   []string
	AgeGroup, ConsentProvidedForMinor, LegalAgeGroupClassification                               string
}

// The three benchmarks decode the same page; compare users/s (or ns/op):
// the client's path (decodePage and the de-duplication of deliveries)
// against a plain encoding/json decode and against kiota's parse nodes.

func BenchmarkDecodePlain(b *testing.B) {
	body := benchPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var page struct{ Value []plainUser }
		if err := json.Unmarshal(body, &page); err != nil || len(page.Value) != 999 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(999*b.N)/b.Elapsed().Seconds(), "users/s")
}

func BenchmarkDecodeClient(b *testing.B) {
	body := benchPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := decodePage(body, 999, nil)
		if err != nil || len(page.users()) != 999 {
			b.Fatal(err)
		}
		r := &partRun{table: newIDTable(999), num: 1}
		if fresh, _ := (chain{r: r, whole: true}).take(page, false); len(fresh) != 999 {
			b.Fatal("users lost")
		}
	}
	b.ReportMetric(float64(999*b.N)/b.Elapsed().Seconds(), "users/s")
}

func BenchmarkDecodeKiota(b *testing.B) {
	body := benchPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		node, err := jsonserialization.NewJsonParseNode(body)
		if err != nil {
			b.Fatal(err)
		}
		v, err := node.GetObjectValue(models.CreateUserCollectionResponseFromDiscriminatorValue)
		if err != nil {
			b.Fatal(err)
		}
		if page, ok := v.(models.UserCollectionResponseable); !ok || len(page.GetValue()) != 999 {
			b.Fatal("users lost")
		}
	}
	b.ReportMetric(float64(999*b.N)/b.Elapsed().Seconds(), "users/s")
}
