package lifecycletest

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// RelatedActor is the ID of the actor a [FireAs] makes the record's
// assignee, caller and owner, for the rules that let a relation.
const RelatedActor = "related"

// FireAs fires one event of a process as actor on a fresh record made
// ready for it (a new service, a record in a state the event leaves, with
// [RelatedActor] in every relation it can hold), and returns the error,
// and whether that call stored or notified anything.
type FireAs func(t *testing.T, actor lifecycle.Actor) (err error, changed bool)

// CheckAccessRules checks a process's default access rules both ways.
// events are every event of the process, creation and redaction
// included: each must have exactly one rule, and fire one [FireAs]; a
// rule or a FireAs for any other event fails t. For each rule, every
// actor it lets must succeed, changing the record; every actor it does
// not let must be refused with a *lifecycle.ForbiddenError naming the
// rule, storing and notifying nothing. A field rule (one with Fields)
// must guard one of events too; the process's own tests run it, as it
// needs a change of its fields. The actors a rule lets are one
// holder of each of its Roles, [RelatedActor] when it names Relations,
// any actor when it lets Anyone, and lifecycle.System when it says
// System; the others are a stranger holding an unrelated role, an
// impostor with System's ID and role, and System.
func CheckAccessRules(t *testing.T, rules []lifecycle.Rule, events []string, fire map[string]FireAs) {
	t.Helper()
	for _, ev := range events {
		n := 0
		for _, r := range rules {
			if r.Event == ev && len(r.Fields) == 0 {
				n++
			}
		}
		assert.Equal(t, 1, n, "event %q has one default rule", ev)
		assert.Contains(t, fire, ev, "event %q is exercised", ev)
	}
	for ev := range fire {
		assert.Contains(t, events, ev, "%q is an event of the process", ev)
	}
	for _, r := range rules {
		require.Contains(t, events, r.Event, "rule %+v guards an event of the process", r)
		f := fire[r.Event]
		if f == nil || len(r.Fields) > 0 {
			continue
		}
		t.Run(r.Event, func(t *testing.T) {
			for _, a := range allowedBy(r) {
				err, changed := f(t, a)
				require.NoError(t, err, "%+v may fire %s", a, r.Event)
				assert.True(t, changed, "%+v fired %s: stored and notified", a, r.Event)
			}
			for _, a := range refusedBy(r) {
				err, changed := f(t, a)
				fe := CheckForbidden(t, err, a.ID, "rule")
				name := r.Name
				if name == "" {
					name = r.Process + "." + r.Event
				}
				assert.Equal(t, name, fe.Rule, "the refusal names the rule")
				assert.False(t, changed, "a refusal of %+v stores and notifies nothing", a)
			}
		})
	}
}

// allowedBy returns the actors r lets.
func allowedBy(r lifecycle.Rule) []lifecycle.Actor {
	var out []lifecycle.Actor
	if r.Anyone {
		out = append(out, lifecycle.Actor{ID: "anyone"})
	}
	for _, role := range r.Roles {
		out = append(out, lifecycle.Actor{ID: "holder", Roles: []string{role}})
	}
	if len(r.Relations) > 0 {
		out = append(out, lifecycle.Actor{ID: RelatedActor})
	}
	if r.System {
		out = append(out, lifecycle.System)
	}
	return out
}

// refusedBy returns the actors r refuses.
func refusedBy(r lifecycle.Rule) []lifecycle.Actor {
	var out []lifecycle.Actor
	if !r.Anyone {
		out = append(out, lifecycle.Actor{ID: "stranger", Roles: []string{"unrelated-role"}})
		if !slices.Contains(r.Roles, lifecycle.RoleSystem) {
			out = append(out, lifecycle.Actor{ID: lifecycle.System.ID, Roles: []string{lifecycle.RoleSystem}})
		}
	}
	if !r.System {
		out = append(out, lifecycle.System)
	}
	return out
}
