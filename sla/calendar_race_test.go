//go:build race

package sla

// calRaceEnabled tells the heavy calendar tests that the race detector
// slows them down.
const calRaceEnabled = true
