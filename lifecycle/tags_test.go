package lifecycle_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
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
