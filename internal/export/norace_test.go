//go:build !race

package export

// raceEnabled reports whether the race detector is on: it changes memory use.
const raceEnabled = false
