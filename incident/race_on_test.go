//go:build race

package incident_test

// raceEnabled scales load tests down under the race detector, which costs
// several times the memory and time per operation.
const raceEnabled = true
