package request_test

import (
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// num returns a pointer to x, for a variable's Min and Max.
func num(x float64) *float64 { return &x }

// starterKit returns a valid item with a variable of every type, a group
// approval by quorum and a three-stage plan with conditional tasks. Each
// call returns a fresh value that tests may change.
func starterKit() request.CatalogItem {
	return request.CatalogItem{
		ID:          "new-starter-kit",
		Name:        "New starter kit",
		Category:    "Onboarding",
		Description: "A laptop, accounts and a badge for someone joining.",
		Variables: []request.Variable{
			{Name: "laptop", Label: "Laptop", Type: request.VariableChoice, Required: true, Default: "standard",
				Choices: []string{"standard", "developer", "none"}},
			{Name: "start", Label: "Start date", Type: request.VariableDate, Required: true},
			{Name: "accounts", Type: request.VariableMultiChoice, Default: "email",
				Choices: []string{"email", "vpn", "finance"}},
			{Name: "desk", Type: request.VariableText, MinLength: 3, MaxLength: 8, Pattern: `[A-Z]-[0-9]{1,6}`},
			{Name: "monitors", Type: request.VariableNumber, Min: num(0), Max: num(3), Default: "1"},
			{Name: "parking", Type: request.VariableBoolean},
			{Name: "for", Label: "Requested for", Type: request.VariableUser, Required: true},
			{Name: "phone", Type: request.VariableConfigItem},
			{Name: "notes", Type: request.VariableText},
		},
		Approval: request.Approval{Policy: request.ApprovalGroup, Group: "it-approvers", Decide: lifecycle.ConsentQuorum, Quorum: 2},
		Plan: request.Plan{Stages: []request.Stage{
			{Name: "prepare", Tasks: []request.TaskDef{
				{Name: "order laptop", Group: "procurement",
					When: &request.Condition{Variable: "laptop", Equals: []string{"standard", "developer"}}},
				{Name: "print badge", Group: "facilities"},
			}},
			{Name: "accounts", Tasks: []request.TaskDef{
				{Name: "email account", Group: "identity", When: &request.Condition{Variable: "accounts", Equals: []string{"email"}}},
				{Name: "vpn access", Group: "network", When: &request.Condition{Variable: "accounts", Equals: []string{"vpn"}}},
				{Name: "finance access", Group: "finance-it", When: &request.Condition{Variable: "accounts", Equals: []string{"finance"}}},
			}},
			{Name: "hand over", Tasks: []request.TaskDef{
				{Name: "hand over kit", Group: "desk-side"},
				{Name: "parking permit", Group: "facilities", When: &request.Condition{Variable: "parking", Equals: []string{"true"}}},
			}},
		}},
		Agreements: []string{"request-response", "request-fulfilment"},
	}
}

// names returns the names of each stage's tasks, for comparing plans.
func names(stages [][]request.TaskDef) [][]string {
	var out [][]string
	for _, s := range stages {
		var n []string
		for _, t := range s {
			n = append(n, t.Name)
		}
		out = append(out, n)
	}
	return out
}

// long returns a text of n characters r.
func long(n int, r string) string { return strings.Repeat(r, n) }
