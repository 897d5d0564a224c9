//go:build !race

package sla_test

const zoneRaceScale = 4
