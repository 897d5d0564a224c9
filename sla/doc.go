// Package sla is service level management: business calendars, agreements
// (SLA, OLA, underpinning contract), targets and timers.
package sla
