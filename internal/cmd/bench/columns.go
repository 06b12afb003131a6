package main

import (
	"slices"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

// allColumns are the portal's 26 columns, the data source's default.
func allColumns() []string { return export.DefaultColumns() }

// listColumns are the 23 of them that the list itself returns: all but the
// three authentication-method columns, which cost a call per user.
func listColumns() []string {
	cols := export.DefaultColumns()
	auth := export.AuthColumns(cols)
	return slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(auth, c) })
}

// Keys of the rows the targets read.
const (
	keyProviderList    = "speed/provider"
	keyChain999        = "speed/chain999"
	keyChain100        = "speed/chain100"
	keyProviderAll     = "budget/provider"
	keyZeroProvider    = "cpu/provider"
	keyZeroRaw         = "cpu/raw"
	keyMemLarge        = "memory/large"
	keyMemMedium       = "memory/medium"
	keyExactOne        = "exact/one"
	keyExactDefault    = "exact/default"
	keyTerraform       = "terraform/apply"
	keyTerraformDirect = "terraform/direct"
	keyClockProvider   = "clock/provider"
	keyClockChain999   = "clock/chain999"
	keyClockChain100   = "clock/chain100"
	keyChurnStill      = "churn/still"
	keyChurnLive       = "churn/live"
	keySnapFull        = "snapshots/full"
	keySnapIncremental = "snapshots/incremental"
	keySnapFresh       = "snapshots/fresh"
	keySnapChanges     = "changes/incremental"
	keyReportWith      = "report/with"
	keyReportWithout   = "report/without"
)

// defaultConcurrency is the client's, for the report.
func defaultConcurrency() int { return graph.DefaultConcurrency }
