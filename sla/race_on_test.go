//go:build race

package sla_test

// zoneRaceScale scales TestCalendarZoneDatabases down under the race
// detector, which makes each call several times slower.
const zoneRaceScale = 1

// raceEnabled reports a build with the race detector, which allocates.
const raceEnabled = true
