package lifecycle_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// TestPortfolioCommandsTagged: every command and input of the portfolio
// and the improvement register has a JSON name for every field.
func TestPortfolioCommandsTagged(t *testing.T) {
	assert.Empty(t, lifecycletest.UntaggedFields(
		lifecycle.DefineService{}, lifecycle.AdvanceService{}, lifecycle.SetServiceStatus{}, lifecycle.RejectService{},
		lifecycle.ReworkService{}, lifecycle.PhaseOutService{}, lifecycle.ReinstateService{}, lifecycle.RetireService{},
		lifecycle.UpdateServiceDetails{}, lifecycle.AddServiceAgreement{}, lifecycle.RemoveServiceAgreement{},
		lifecycle.AddServiceConfigItem{}, lifecycle.RemoveServiceConfigItem{},
		lifecycle.ProposeImprovement{}, lifecycle.ApproveImprovement{}, lifecycle.StartImprovement{},
		lifecycle.CompleteImprovement{}, lifecycle.RejectImprovement{},
	))
}

// TestProcessCommandsTagged: every field of every registered command of
// every process, and of its creation input, has a JSON name.
func TestProcessCommandsTagged(t *testing.T) {
	all := []any{incident.Open{}, problem.Open{}, change.Create{}}
	for _, c := range incident.Commands() {
		all = append(all, c)
	}
	for _, c := range problem.Commands() {
		all = append(all, c)
	}
	for _, c := range change.Commands() {
		all = append(all, c)
	}
	assert.Empty(t, lifecycletest.UntaggedFields(all...))
}
