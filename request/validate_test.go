package request_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

func TestValidateAcceptsTheKit(t *testing.T) {
	require.NoError(t, starterKit().Validate())
	item := starterKit()
	item.Variables, item.Plan, item.Agreements, item.Description = nil, request.Plan{}, nil, ""
	item.Approval = request.Approval{Policy: request.ApprovalNone}
	assert.NoError(t, item.Validate(), "an item without variables, plan or agreements")
}

// TestValidateRefuses checks every refusal of a definition: each names its
// field as a client spells it and matches lifecycle.ErrValidation.
func TestValidateRefuses(t *testing.T) {
	type item = request.CatalogItem
	v := func(i int, edit func(*request.Variable)) func(*item) {
		return func(it *item) { edit(&it.Variables[i]) }
	}
	task := func(s, j int, edit func(*request.TaskDef)) func(*item) {
		return func(it *item) { edit(&it.Plan.Stages[s].Tasks[j]) }
	}
	when := func(c *request.Condition) func(*item) {
		return task(0, 0, func(t *request.TaskDef) { t.When = c })
	}
	cases := []struct {
		name  string
		edit  func(*item)
		field string
	}{
		{"no ID", func(it *item) { it.ID = " " }, "id"},
		{"long ID", func(it *item) { it.ID = long(lifecycle.MaxIDLength+1, "i") }, "id"},
		{"no name", func(it *item) { it.Name = "" }, "name"},
		{"long name", func(it *item) { it.Name = long(lifecycle.MaxNameLength+1, "é") }, "name"},
		{"no category", func(it *item) { it.Category = "\t" }, "category"},
		{"long category", func(it *item) { it.Category = long(lifecycle.MaxNameLength+1, "c") }, "category"},
		{"long description", func(it *item) { it.Description = long(lifecycle.MaxTextLength+1, "d") }, "description"},
		{"negative version", func(it *item) { it.Version = -1 }, "version"},

		{"no variable name", v(1, func(v *request.Variable) { v.Name = "" }), "variables[1].name"},
		{"variable name with a digit first", v(1, func(v *request.Variable) { v.Name = "1st" }), "variables[1].name"},
		{"variable name with a space", v(1, func(v *request.Variable) { v.Name = "start date" }), "variables[1].name"},
		{"variable name with a dot", v(1, func(v *request.Variable) { v.Name = "start.date" }), "variables[1].name"},
		{"long variable name", v(1, func(v *request.Variable) { v.Name = long(lifecycle.MaxNameLength+1, "n") }), "variables[1].name"},
		{"variable named twice", v(3, func(v *request.Variable) { v.Name = "start" }), "variables[3].name"},
		{"long label", v(1, func(v *request.Variable) { v.Label = long(lifecycle.MaxNameLength+1, "l") }), "variables[1].label"},
		{"no type", v(1, func(v *request.Variable) { v.Type = "" }), "variables[1].type"},
		{"unknown type", v(1, func(v *request.Variable) { v.Type = "colour" }), "variables[1].type"},

		{"choice without choices", v(0, func(v *request.Variable) { v.Choices = nil; v.Default = "" }), "variables[0].choices"},
		{"multi_choice without choices", v(2, func(v *request.Variable) { v.Choices = []string{}; v.Default = "" }), "variables[2].choices"},
		{"choices on text", v(3, func(v *request.Variable) { v.Choices = []string{"A-1"} }), "variables[3].choices"},
		{"blank choice", v(0, func(v *request.Variable) { v.Choices[1] = " " }), "variables[0].choices[1]"},
		{"choice with spaces around", v(0, func(v *request.Variable) { v.Choices[1] = " developer" }), "variables[0].choices[1]"},
		{"choice with a comma", v(0, func(v *request.Variable) { v.Choices[2] = "none, thanks" }), "variables[0].choices[2]"},
		{"multi_choice choice with a comma", v(2, func(v *request.Variable) { v.Choices[1] = "vpn,ssh" }), "variables[2].choices[1]"},
		{"choice listed twice", v(0, func(v *request.Variable) { v.Choices[2] = "standard" }), "variables[0].choices[2]"},
		{"long choice", v(0, func(v *request.Variable) { v.Choices[2] = long(lifecycle.MaxValueLength+1, "x") }), "variables[0].choices[2]"},

		{"min_length on number", v(4, func(v *request.Variable) { v.MinLength = 1 }), "variables[4].min_length"},
		{"max_length on choice", v(0, func(v *request.Variable) { v.MaxLength = 10 }), "variables[0].max_length"},
		{"pattern on date", v(1, func(v *request.Variable) { v.Pattern = "2026-.*" }), "variables[1].pattern"},
		{"negative min_length", v(3, func(v *request.Variable) { v.MinLength = -1 }), "variables[3].min_length"},
		{"negative max_length", v(3, func(v *request.Variable) { v.MaxLength = -1 }), "variables[3].max_length"},
		{"max_length over the value limit", v(3, func(v *request.Variable) { v.MaxLength = lifecycle.MaxValueLength + 1 }), "variables[3].max_length"},
		{"min_length over max_length", v(3, func(v *request.Variable) { v.MinLength = 9 }), "variables[3].min_length"},
		{"min_length over the value limit", v(8, func(v *request.Variable) { v.MinLength = lifecycle.MaxValueLength + 1 }), "variables[8].min_length"},
		{"min on text", v(3, func(v *request.Variable) { v.Min = num(1) }), "variables[3].min"},
		{"max on boolean", v(5, func(v *request.Variable) { v.Max = num(1) }), "variables[5].max"},
		{"min not a number", v(4, func(v *request.Variable) { v.Min = num(math.NaN()) }), "variables[4].min"},
		{"max infinite", v(4, func(v *request.Variable) { v.Max = num(math.Inf(1)) }), "variables[4].max"},
		{"min over max", v(4, func(v *request.Variable) { v.Min = num(4) }), "variables[4].min"},
		{"pattern that does not compile", v(3, func(v *request.Variable) { v.Pattern = "[A-Z" }), "variables[3].pattern"},
		{"pattern that compiles only anchored", v(3, func(v *request.Variable) { v.Pattern = "a)|(b" }), "variables[3].pattern"},
		{"long pattern", v(8, func(v *request.Variable) { v.Pattern = long(lifecycle.MaxValueLength+1, "a") }), "variables[8].pattern"},
		{"default not a choice", v(0, func(v *request.Variable) { v.Default = "gold" }), "variables[0].default"},
		{"default not a list of choices", v(2, func(v *request.Variable) { v.Default = "email,hr" }), "variables[2].default"},
		{"default not matching the pattern", v(3, func(v *request.Variable) { v.Default = "a-1" }), "variables[3].default"},
		{"default over the maximum", v(4, func(v *request.Variable) { v.Default = "4" }), "variables[4].default"},
		{"default not a date", v(1, func(v *request.Variable) { v.Default = "tomorrow" }), "variables[1].default"},
		{"default not a boolean", v(5, func(v *request.Variable) { v.Default = "yes" }), "variables[5].default"},

		{"no approval policy", func(it *item) { it.Approval = request.Approval{} }, "approval.policy"},
		{"group policy without a group", func(it *item) { it.Approval.Group = "" }, "approval.group"},

		{"no stage name", func(it *item) { it.Plan.Stages[1].Name = "" }, "plan.stages[1].name"},
		{"long stage name", func(it *item) { it.Plan.Stages[1].Name = long(lifecycle.MaxNameLength+1, "s") }, "plan.stages[1].name"},
		{"stage named twice", func(it *item) { it.Plan.Stages[2].Name = "prepare" }, "plan.stages[2].name"},
		{"stage without tasks", func(it *item) { it.Plan.Stages[2].Tasks = nil }, "plan.stages[2].tasks"},
		{"no task name", task(1, 2, func(t *request.TaskDef) { t.Name = " " }), "plan.stages[1].tasks[2].name"},
		{"long task name", task(1, 2, func(t *request.TaskDef) { t.Name = long(lifecycle.MaxNameLength+1, "t") }), "plan.stages[1].tasks[2].name"},
		{"task named twice in a stage", task(0, 1, func(t *request.TaskDef) { t.Name = "order laptop" }), "plan.stages[0].tasks[1].name"},
		{"task named twice in the plan", task(2, 0, func(t *request.TaskDef) { t.Name = "print badge" }), "plan.stages[2].tasks[0].name"},
		{"no group", task(0, 1, func(t *request.TaskDef) { t.Group = "" }), "plan.stages[0].tasks[1].group"},
		{"long group", task(0, 1, func(t *request.TaskDef) { t.Group = long(lifecycle.MaxNameLength+1, "g") }), "plan.stages[0].tasks[1].group"},
		{"condition without a variable", when(&request.Condition{Equals: []string{"x"}}), "plan.stages[0].tasks[0].when.variable"},
		{"condition on an unknown variable", when(&request.Condition{Variable: "colour", Equals: []string{"red"}}), "plan.stages[0].tasks[0].when.variable"},
		{"condition on text", when(&request.Condition{Variable: "desk", Equals: []string{"A-1"}}), "plan.stages[0].tasks[0].when.variable"},
		{"condition on a user", when(&request.Condition{Variable: "for", Equals: []string{"u-1"}}), "plan.stages[0].tasks[0].when.variable"},
		{"condition on a configuration item", when(&request.Condition{Variable: "phone", Equals: []string{"CI-1"}}), "plan.stages[0].tasks[0].when.variable"},
		{"condition without values", when(&request.Condition{Variable: "laptop"}), "plan.stages[0].tasks[0].when.equals"},
		{"condition on a value not a choice", when(&request.Condition{Variable: "laptop", Equals: []string{"standard", "gold"}}), "plan.stages[0].tasks[0].when.equals[1]"},
		{"condition on a list of choices", when(&request.Condition{Variable: "accounts", Equals: []string{"email,vpn"}}), "plan.stages[0].tasks[0].when.equals[0]"},
		{"condition on a number not in normal form", when(&request.Condition{Variable: "monitors", Equals: []string{"2.0"}}), "plan.stages[0].tasks[0].when.equals[0]"},
		{"condition on a number out of range", when(&request.Condition{Variable: "monitors", Equals: []string{"7"}}), "plan.stages[0].tasks[0].when.equals[0]"},
		{"condition on a boolean not a boolean", when(&request.Condition{Variable: "parking", Equals: []string{"yes"}}), "plan.stages[0].tasks[0].when.equals[0]"},
		{"condition on a value with spaces", when(&request.Condition{Variable: "laptop", Equals: []string{" none"}}), "plan.stages[0].tasks[0].when.equals[0]"},
		{"condition value listed twice", when(&request.Condition{Variable: "laptop", Equals: []string{"none", "none"}}), "plan.stages[0].tasks[0].when.equals[1]"},

		{"blank agreement", func(it *item) { it.Agreements[1] = "" }, "agreements[1]"},
		{"long agreement", func(it *item) { it.Agreements[0] = long(lifecycle.MaxIDLength+1, "a") }, "agreements[0]"},
		{"agreement listed twice", func(it *item) { it.Agreements[1] = "request-response" }, "agreements[1]"},
		{"comma in an agreement", func(it *item) { it.Agreements[0] = "a,b" }, "agreements[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := starterKit()
			c.edit(&it)
			ve := lifecycletest.CheckInvalid(t, it.Validate(), c.field)
			assert.LessOrEqual(t, len(ve.Reason), 400, "the reason quotes no long input whole: %s", ve.Reason)

			_, err := new(request.Catalog).Register(it)
			lifecycletest.CheckInvalid(t, err, c.field)
		})
	}
}

func TestValidateConditionsOnEveryConditionalType(t *testing.T) {
	it := starterKit()
	it.Variables = append(it.Variables, request.Variable{Name: "due", Type: request.VariableDate})
	it.Plan.Stages[2].Tasks = append(it.Plan.Stages[2].Tasks,
		request.TaskDef{Name: "second monitor", Group: "desk-side", When: &request.Condition{Variable: "monitors", Equals: []string{"2", "3"}}},
		request.TaskDef{Name: "rush", Group: "desk-side", When: &request.Condition{Variable: "due", Equals: []string{"2026-09-01"}}},
		request.TaskDef{Name: "finance desk", Group: "facilities", When: &request.Condition{Variable: "accounts", Equals: []string{"finance", "vpn"}}},
	)
	assert.NoError(t, it.Validate())
}

func TestApprovalValidate(t *testing.T) {
	for _, a := range []request.Approval{
		{Policy: request.ApprovalNone},
		{Policy: request.ApprovalManager},
		{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentAll},
		{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentAny},
		{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentQuorum, Quorum: 1},
		{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentQuorum, Quorum: 5},
	} {
		assert.NoError(t, a.Validate(), "%+v", a)
	}
	group := func(decide lifecycle.Consent, quorum int) request.Approval {
		return request.Approval{Policy: request.ApprovalGroup, Group: "cab", Decide: decide, Quorum: quorum}
	}
	cases := []struct {
		name  string
		a     request.Approval
		field string
	}{
		{"no policy", request.Approval{}, "approval.policy"},
		{"unknown policy", request.Approval{Policy: "boss"}, "approval.policy"},
		{"group under none", request.Approval{Policy: request.ApprovalNone, Group: "cab"}, "approval.group"},
		{"group under manager", request.Approval{Policy: request.ApprovalManager, Group: "cab"}, "approval.group"},
		{"decide under none", request.Approval{Policy: request.ApprovalNone, Decide: lifecycle.ConsentAny}, "approval.decide"},
		{"decide under manager", request.Approval{Policy: request.ApprovalManager, Decide: lifecycle.ConsentAll}, "approval.decide"},
		{"quorum under none", request.Approval{Policy: request.ApprovalNone, Quorum: 2}, "approval.quorum"},
		{"quorum under manager", request.Approval{Policy: request.ApprovalManager, Quorum: 1}, "approval.quorum"},
		{"no group", request.Approval{Policy: request.ApprovalGroup, Decide: lifecycle.ConsentAny}, "approval.group"},
		{"blank group", request.Approval{Policy: request.ApprovalGroup, Group: "  ", Decide: lifecycle.ConsentAny}, "approval.group"},
		{"long group", request.Approval{Policy: request.ApprovalGroup, Group: long(lifecycle.MaxNameLength+1, "g"), Decide: lifecycle.ConsentAny}, "approval.group"},
		{"no decision", group("", 0), "approval.decide"},
		{"unknown decision", group("majority", 0), "approval.decide"},
		{"quorum without a quorum", group(lifecycle.ConsentQuorum, 0), "approval.quorum"},
		{"negative quorum", group(lifecycle.ConsentQuorum, -1), "approval.quorum"},
		{"quorum under any", group(lifecycle.ConsentAny, 2), "approval.quorum"},
		{"quorum under all", group(lifecycle.ConsentAll, 1), "approval.quorum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lifecycletest.CheckInvalid(t, c.a.Validate(), c.field)
			it := starterKit()
			it.Approval = c.a
			lifecycletest.CheckInvalid(t, it.Validate(), c.field)
		})
	}
}

func TestEnums(t *testing.T) {
	lifecycletest.CheckEnumText(t, request.VariableTypes())
	lifecycletest.CheckEnumText(t, request.ApprovalPolicies())
	lifecycletest.CheckEnumText(t, lifecycle.Consents())
	assert.Len(t, request.VariableTypes(), 8)
	assert.Len(t, request.ApprovalPolicies(), 3)
	assert.Len(t, lifecycle.Consents(), 3)
	for _, bad := range []string{"", "bogus", "Text"} {
		lifecycletest.CheckEnumRefuses(t, request.VariableType(bad))
		lifecycletest.CheckEnumRefuses(t, request.ApprovalPolicy(bad))
		lifecycletest.CheckEnumRefuses(t, lifecycle.Consent(bad))
		assert.False(t, request.VariableType(bad).Valid())
		assert.False(t, request.ApprovalPolicy(bad).Valid())
		assert.False(t, lifecycle.Consent(bad).Valid())
	}
	types := request.VariableTypes()
	types[0] = "changed"
	assert.Equal(t, request.VariableText, request.VariableTypes()[0], "the list is a copy")
}

func TestItemJSON(t *testing.T) {
	item := starterKit()
	item.Version = 3
	b, err := json.Marshal(item)
	require.NoError(t, err)
	var back request.CatalogItem
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, item, back)
	assert.Contains(t, string(b), `"min_length":3`)
	assert.Contains(t, string(b), `"when":{"variable":"laptop","equals":["standard","developer"]}`)

	lifecycletest.CheckJSONRefused[request.CatalogItem](t,
		lifecycletest.Edit(t, b, `"type":"date"`, `"type":"datetime"`), "type")
	lifecycletest.CheckJSONRefused[request.CatalogItem](t,
		lifecycletest.Edit(t, b, `"policy":"group"`, `"policy":"boss"`), "policy")
	lifecycletest.CheckJSONRefused[request.CatalogItem](t,
		lifecycletest.Edit(t, b, `"decide":"quorum"`, `"decide":"most"`), "decide")
}
