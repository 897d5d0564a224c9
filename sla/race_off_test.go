//go:build !race

package sla_test

const zoneRaceScale = 4

// raceEnabled reports a build with the race detector, which allocates.
const raceEnabled = false
