package request_test

import (
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// ExampleCatalog registers a new starter's kit, checks a requester's
// answers and prints the fulfilment work they give.
func ExampleCatalog() {
	catalog := request.NewCatalog()
	kit, err := catalog.Register(request.CatalogItem{
		ID:       "new-starter-kit",
		Name:     "New starter kit",
		Category: "Onboarding",
		Variables: []request.Variable{
			{Name: "laptop", Label: "Laptop", Type: request.VariableChoice, Required: true,
				Choices: []string{"standard", "developer", "none"}, Default: "standard"},
			{Name: "start", Label: "Start date", Type: request.VariableDate, Required: true},
			{Name: "accounts", Label: "Accounts", Type: request.VariableMultiChoice,
				Choices: []string{"email", "vpn", "finance"}, Default: "email"},
		},
		Approval: request.Approval{Policy: request.ApprovalManager},
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
			{Name: "hand over", Tasks: []request.TaskDef{{Name: "hand over kit", Group: "desk-side"}}},
		}},
		Agreements: []string{"request-fulfilment"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s, version %d\n", kit.Name, kit.Version)

	_, err = kit.CheckValues(request.Values{"laptop": "tablet", "start": "2026-09-01"})
	var ve *lifecycle.ValidationError
	if errors.As(err, &ve) {
		fmt.Println("refused:", ve.Field)
	}

	values, err := kit.CheckValues(request.Values{"laptop": "developer", "start": "2026-09-01", "accounts": "vpn, email"})
	if err != nil {
		panic(err)
	}
	fmt.Println("accounts:", values["accounts"])
	for i, stage := range kit.Plan.Expand(values) {
		fmt.Printf("stage %d:", i+1)
		for _, task := range stage {
			fmt.Printf(" %s (%s);", task.Name, task.Group)
		}
		fmt.Println()
	}
	// Output:
	// New starter kit, version 1
	// refused: variables.laptop
	// accounts: email,vpn
	// stage 1: order laptop (procurement); print badge (facilities);
	// stage 2: email account (identity); vpn access (network);
	// stage 3: hand over kit (desk-side);
}
