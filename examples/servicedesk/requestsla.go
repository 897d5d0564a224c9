package main

import (
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/sla"
)

// The agreements of service requests. A catalogue item names the ones
// that apply to its orders (its "agreements" in the policy file), and
// each starts only on the items, or tasks, whose catalogue item lists it
// (request.Applies).
const (
	agreementFulfilment = "request-fulfilment"
	agreementTask       = "request-task"
)

// requestFulfilment is the time to fulfil a requested item: from its
// order until it closes, in business time; 5 days.
func requestFulfilment(cal *sla.Calendar) *sla.Agreement {
	open := func(s lifecycle.Snapshot) bool { return !request.ItemState(s.State).Final() }
	return &sla.Agreement{
		ID: agreementFulfilment, Name: "Service request fulfilment", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Process:   request.ProcessItem,
		Calendar:  cal,
		Durations: map[int]time.Duration{0: 5 * day},
		Start:     func(s lifecycle.Snapshot) bool { return request.Applies(s, agreementFulfilment) && open(s) },
		Stop:      func(s lifecycle.Snapshot) bool { return !open(s) },
		StartAt:   openedAt,
	}
}

// requestTask is a fulfilment team's time to close a task once its stage
// opens: an OLA of 2 days.
func requestTask(cal *sla.Calendar) *sla.Agreement {
	open := func(s lifecycle.Snapshot) bool { return !request.TaskState(s.State).Final() }
	ready := func(s lifecycle.Snapshot) bool { return s.Attributes[request.AttributeStageOpen] == "true" }
	return &sla.Agreement{
		ID: agreementTask, Name: "Fulfilment task", Type: sla.TypeOLA, Target: sla.TargetResolution,
		Process:   request.ProcessTask,
		Calendar:  cal,
		Durations: map[int]time.Duration{0: 2 * day},
		Start:     func(s lifecycle.Snapshot) bool { return request.Applies(s, agreementTask) && ready(s) && open(s) },
		Stop:      func(s lifecycle.Snapshot) bool { return !open(s) },
	}
}
