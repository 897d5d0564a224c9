package request_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/request"
)

func TestExpand(t *testing.T) {
	cases := []struct {
		name string
		in   request.Values // answers, checked by CheckValues first
		want [][]string
	}{
		{"the defaults", nil, [][]string{
			{"order laptop", "print badge"},
			{"email account"},
			{"hand over kit"},
		}},
		{"no laptop, vpn and finance, parking", request.Values{"laptop": "none", "accounts": "finance,vpn", "parking": "true"}, [][]string{
			{"print badge"},
			{"vpn access", "finance access"},
			{"hand over kit", "parking permit"},
		}},
		{"every account", request.Values{"laptop": "developer", "accounts": "vpn,email,finance", "parking": "false"}, [][]string{
			{"order laptop", "print badge"},
			{"email account", "vpn access", "finance access"},
			{"hand over kit"},
		}},
	}
	item := starterKit()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			values, err := item.CheckValues(answers(c.in))
			require.NoError(t, err)
			assert.Equal(t, c.want, names(item.Plan.Expand(values)))
		})
	}
}

func TestExpandLeavesOutEmptyStages(t *testing.T) {
	item := starterKit()
	// No accounts at all: the accounts stage has no task that applies.
	got := item.Plan.Expand(request.Values{"laptop": "none"})
	assert.Equal(t, [][]string{{"print badge"}, {"hand over kit"}}, names(got))

	// Every task conditional, none applying: no work at all.
	plan := request.Plan{Stages: []request.Stage{
		{Name: "one", Tasks: []request.TaskDef{{Name: "a", Group: "g", When: &request.Condition{Variable: "parking", Equals: []string{"true"}}}}},
		{Name: "two", Tasks: []request.TaskDef{{Name: "b", Group: "g", When: &request.Condition{Variable: "laptop", Equals: []string{"developer"}}}}},
	}}
	assert.Nil(t, plan.Expand(request.Values{"parking": "false", "laptop": "standard"}))
	assert.Nil(t, plan.Expand(nil))
	assert.Nil(t, request.Plan{}.Expand(request.Values{"parking": "true"}), "an empty plan")
	assert.Equal(t, [][]string{{"b"}}, names(plan.Expand(request.Values{"laptop": "developer"})))
}

func TestExpandCopies(t *testing.T) {
	item := starterKit()
	got := item.Plan.Expand(request.Values{"laptop": "standard"})
	require.NotNil(t, got[0][0].When)
	got[0][0].When.Equals[0] = "scribbled"
	got[0][0].When.Variable = "scribbled"
	got[0][1].Group = "scribbled"
	assert.Equal(t, starterKit().Plan, item.Plan, "the expanded tasks are copies")
}

func TestConditionHolds(t *testing.T) {
	single := request.Condition{Variable: "laptop", Equals: []string{"standard", "developer"}}
	multi := request.Condition{Variable: "accounts", Equals: []string{"vpn"}}
	number := request.Condition{Variable: "monitors", Equals: []string{"2", "3"}}
	cases := []struct {
		c      request.Condition
		values request.Values
		want   bool
	}{
		{single, request.Values{"laptop": "standard"}, true},
		{single, request.Values{"laptop": "developer"}, true},
		{single, request.Values{"laptop": "none"}, false},
		{single, request.Values{}, false},
		{single, nil, false},
		{single, request.Values{"accounts": "standard"}, false},
		{multi, request.Values{"accounts": "vpn"}, true},
		{multi, request.Values{"accounts": "email,vpn"}, true},
		{multi, request.Values{"accounts": "email,vpn,finance"}, true},
		{multi, request.Values{"accounts": "email,finance"}, false},
		{multi, request.Values{"accounts": "vpnx"}, false},
		{number, request.Values{"monitors": "3"}, true},
		{number, request.Values{"monitors": "1"}, false},
		{number, request.Values{"monitors": "23"}, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.c.Holds(c.values), "%+v on %v", c.c, c.values)
	}
}
