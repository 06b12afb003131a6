// Package emutest is test support around the emulator: CheckLive holds an
// export of a changing directory to the promise the export makes
// (the README's "Live directories"), given the tenant's Snapshot from
// before the export and the Churn events logged while it ran; Start,
// Generate, Churn, Token and IDs are the few lines every test that reads
// the emulator writes, in whichever package it is; Front serves an emulator
// and records every exchange (timing, status, Retry-After, broken
// connections, the requests inside a $batch), named by the emulator's own
// Endpoint, and Retries pairs each failure with the client's next attempt,
// which is what a test of a client's retry policy reads.
//
// Only tests import it (depguard keeps production code away). It imports
// the emulator and the standard library, nothing else of this module.
package emutest
