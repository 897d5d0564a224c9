package request

import (
	"slices"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Plan is a catalogue item's fulfilment plan: stages worked one after
// another, each of tasks worked side by side. A plan with no stages, or
// whose every task is left out by its condition, gives an order no task
// at all.
type Plan struct {
	// Stages are the plan's stages, in the order they are worked.
	Stages []Stage `json:"stages,omitempty"`
}

// Stage is one step of a [Plan]: tasks that open together, once the
// stage before has closed.
type Stage struct {
	// Name identifies the stage, unique within the plan. Required.
	Name string `json:"name"`
	// Tasks are the stage's tasks, at least one.
	Tasks []TaskDef `json:"tasks"`
}

// TaskDef defines one fulfilment task of a [Stage]: the work a group
// does for every order whose values meet its condition.
type TaskDef struct {
	// Name identifies the task, unique within the plan. Required.
	Name string `json:"name"`
	// Group is the assignment group that works the task. Required.
	Group string `json:"group"`
	// When, if set, makes the task conditional: it is part of an order's
	// work only when the condition holds for the order's values.
	When *Condition `json:"when,omitempty"`
}

// Condition holds when a variable's value is one of Equals, or, for a
// multiple choice, when any of its chosen values is. It never holds for
// a variable without a value.
//
// A condition tests a boolean, number, date, choice or multi_choice
// variable of its item (never free text, nor the ID of a user or
// configuration item), and each of Equals is a value of that variable in
// the normal form [CatalogItem.CheckValues] gives ("2000", not "2e3").
type Condition struct {
	// Variable is the name of the variable tested. Required.
	Variable string `json:"variable"`
	// Equals are the values for which the condition holds, at least one.
	Equals []string `json:"equals"`
}

// Holds reports whether the condition holds for values, which are in the
// normal form [CatalogItem.CheckValues] returns.
func (c Condition) Holds(values Values) bool {
	v, ok := values[c.Variable]
	if !ok {
		return false
	}
	for part := range strings.SplitSeq(v, ",") {
		if slices.Contains(c.Equals, part) {
			return true
		}
	}
	return false
}

// Expand returns the tasks of each stage that apply to values (the tasks
// without a condition, and those whose condition holds), in the plan's
// order, leaving out the stages with no task that applies. It returns
// nil when no task applies: such an order has no fulfilment work. values
// are in the normal form [CatalogItem.CheckValues] returns. The tasks are
// copies: changing them does not change the plan.
func (p Plan) Expand(values Values) [][]TaskDef {
	var out [][]TaskDef
	for _, s := range p.Stages {
		var tasks []TaskDef
		for _, t := range s.Tasks {
			if t.When == nil || t.When.Holds(values) {
				tasks = append(tasks, t.clone())
			}
		}
		if len(tasks) > 0 {
			out = append(out, tasks)
		}
	}
	return out
}

// clone returns a deep copy of p.
func (p Plan) clone() Plan {
	if p.Stages == nil {
		return p
	}
	stages := make([]Stage, len(p.Stages))
	for i, s := range p.Stages {
		tasks := make([]TaskDef, len(s.Tasks))
		for j, t := range s.Tasks {
			tasks[j] = t.clone()
		}
		if s.Tasks == nil {
			tasks = nil
		}
		stages[i] = Stage{Name: s.Name, Tasks: tasks}
	}
	return Plan{Stages: stages}
}

// clone returns a deep copy of t.
func (t TaskDef) clone() TaskDef {
	if t.When != nil {
		t.When = &Condition{Variable: t.When.Variable, Equals: slices.Clone(t.When.Equals)}
	}
	return t
}

// validate checks the plan against its item's variables: names given and
// unique within the plan, a group for every task, at least one task in
// every stage, and conditions on variables the item has.
func (p Plan) validate(variables []Variable) error {
	stages := map[string]bool{}
	tasks := map[string]bool{}
	for i, s := range p.Stages {
		at := "plan.stages[" + strconv.Itoa(i) + "]"
		if err := checkText(at+".name", s.Name, lifecycle.MaxNameLength, true); err != nil {
			return err
		}
		if stages[s.Name] {
			return lifecycle.Invalid(at+".name", "the stage %q is named twice", s.Name)
		}
		stages[s.Name] = true
		if len(s.Tasks) == 0 {
			return lifecycle.Invalid(at+".tasks", "the stage %q needs at least one task", s.Name)
		}
		for j, t := range s.Tasks {
			at := at + ".tasks[" + strconv.Itoa(j) + "]"
			if err := checkText(at+".name", t.Name, lifecycle.MaxNameLength, true); err != nil {
				return err
			}
			if tasks[t.Name] {
				return lifecycle.Invalid(at+".name", "the task %q is named twice", t.Name)
			}
			tasks[t.Name] = true
			if err := checkText(at+".group", t.Group, lifecycle.MaxNameLength, true); err != nil {
				return err
			}
			if t.When != nil {
				if err := t.When.validate(at+".when", variables); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// validate checks the condition at field against the item's variables.
func (c Condition) validate(field string, variables []Variable) error {
	i := slices.IndexFunc(variables, func(v Variable) bool { return v.Name == c.Variable })
	switch {
	case c.Variable == "":
		return lifecycle.Invalid(field+".variable", "a variable is required")
	case i < 0:
		return lifecycle.Invalid(field+".variable", "the item has no variable %q", c.Variable)
	case !variables[i].Type.conditional():
		return lifecycle.Invalid(field+".variable", "%q is a %s variable; a condition tests a boolean, number, date, choice or multi_choice variable",
			c.Variable, variables[i].Type)
	case len(c.Equals) == 0:
		return lifecycle.Invalid(field+".equals", "at least one value is required")
	}
	v := variables[i]
	for j, e := range c.Equals {
		at := field + ".equals[" + strconv.Itoa(j) + "]"
		// A multiple choice's condition lists single choices.
		one := v
		if one.Type == VariableMultiChoice {
			one.Type = VariableChoice
		}
		n, err := one.check(at, e, nil)
		switch {
		case err != nil:
			return err
		case n != e:
			return lifecycle.Invalid(at, "%q is not in normal form; write %q", e, n)
		case slices.Contains(c.Equals[:j], e):
			return lifecycle.Invalid(at, "%q is listed twice", e)
		}
	}
	return nil
}
