// Package emutest is test support around the emulator: CheckLive holds an
// export of a changing directory to the promise the export makes
// (the README's "Live directories"), given the tenant's Snapshot from
// before the export and the Churn events logged while it ran; Start,
// Generate, Churn, Token and IDs are the few lines every test that reads
// the emulator writes, in whichever package it is.
//
// Only tests import it (depguard keeps production code away). It imports
// the emulator and the standard library, nothing else of this module.
package emutest
