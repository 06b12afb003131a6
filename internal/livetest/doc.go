// Package livetest holds the tests of the whole export path (internal/graph
// listing, internal/export writing the CSV) against a directory that changes
// while it is read: the emulator's churn, with injected faults, in both of
// the default orders Graph is seen to use, and behind a consistency lag. They
// hold the export to the promise of README's "Live directories", checked by
// emutest.CheckLive from the directory as it was right before the export and
// the changes logged while it ran.
//
// TestExportUnderChurn is a soak of 20,000 users (LIVETEST_USERS scales it);
// TestLiveProperties draws small random directories, churn schedules, orders
// and lags from seeds. LIVETEST_LOG=1 sends the Graph client's log to the
// test log.
//
// It holds tests only: nothing imports it.
package livetest
