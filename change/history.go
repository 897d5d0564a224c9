package change

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Field names used in history records, besides the standard
// lifecycle.FieldGroup, lifecycle.FieldAssignee and lifecycle.FieldPriority
// (which lifecycle.Snapshot.Apply replays).
const (
	FieldType         = "type"
	FieldTitle        = "title"
	FieldDescription  = "description"
	FieldRequester    = "requester"
	FieldOpenedBy     = "opened_by"
	FieldImpact       = "impact"
	FieldUrgency      = "urgency"
	FieldService      = "service"
	FieldConfigItems  = "config_items"
	FieldTemplate     = "template"
	FieldPlanImpl     = "plans.implementation"
	FieldPlanBackout  = "plans.backout"
	FieldPlanTest     = "plans.test"
	FieldPlannedStart = "planned_start"
	FieldPlannedEnd   = "planned_end"
	FieldAnswers      = "answers"
	FieldRisk         = "risk"
	FieldAuthority    = "authority"
	FieldApprovals    = "approvals"
	FieldDecision     = "decision" // "<approver> approved" or "<approver> rejected"
	FieldConflicts    = "conflicts"
	FieldOverride     = "override"
	FieldActualStart  = "actual_start"
	FieldActualEnd    = "actual_end"
	FieldOutcome      = "outcome"
	FieldReviewNotes  = "review_notes"
	FieldCancelReason = "cancel_reason"
	FieldProblems     = "problems"
	FieldIncidents    = "incidents"
)

// itoa renders a level, "" for 0 (unset).
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// fields renders every audited field of a change as text.
var fields = []struct {
	name string
	get  func(*Change) string
}{
	{FieldType, func(c *Change) string { return string(c.Type) }},
	{FieldTitle, func(c *Change) string { return c.Title }},
	{FieldDescription, func(c *Change) string { return c.Description }},
	{FieldRequester, func(c *Change) string { return c.Requester }},
	{FieldOpenedBy, func(c *Change) string { return c.OpenedBy }},
	{FieldImpact, func(c *Change) string { return itoa(int(c.Impact)) }},
	{FieldUrgency, func(c *Change) string { return itoa(int(c.Urgency)) }},
	{lifecycle.FieldPriority, func(c *Change) string { return itoa(int(c.Priority)) }},
	{lifecycle.FieldGroup, func(c *Change) string { return c.Group }},
	{lifecycle.FieldAssignee, func(c *Change) string { return c.Assignee }},
	{FieldService, func(c *Change) string { return c.Service }},
	{FieldConfigItems, func(c *Change) string { return strings.Join(c.ConfigItems, ",") }},
	{FieldAffectedServices, servicesText},
	{FieldTemplate, func(c *Change) string { return c.Template }},
	{FieldPlanImpl, func(c *Change) string { return c.Plans.Implementation }},
	{FieldPlanBackout, func(c *Change) string { return c.Plans.Backout }},
	{FieldPlanTest, func(c *Change) string { return c.Plans.Test }},
	{FieldPlannedStart, func(c *Change) string { return fmtTime(c.PlannedStart) }},
	{FieldPlannedEnd, func(c *Change) string { return fmtTime(c.PlannedEnd) }},
	{FieldAnswers, func(c *Change) string {
		var b strings.Builder
		for i, k := range slices.Sorted(maps.Keys(c.Answers)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + "=" + c.Answers[k])
		}
		return b.String()
	}},
	{FieldRisk, func(c *Change) string { return string(c.Risk) }},
	{FieldAuthority, func(c *Change) string {
		if c.Authority == nil {
			return ""
		}
		return c.Authority.String()
	}},
	{FieldApprovals, func(c *Change) string {
		parts := make([]string, len(c.Approvals))
		for i, a := range c.Approvals {
			parts[i] = a.Approver + ":" + string(a.Decision)
		}
		return strings.Join(parts, ",")
	}},
	{FieldConflicts, func(c *Change) string {
		parts := make([]string, len(c.Conflicts))
		for i, x := range c.Conflicts {
			p := string(x.Kind)
			for _, s := range []string{x.ConfigItem, x.Related, x.Change, x.Window} {
				if s != "" {
					p += " " + s
				}
			}
			parts[i] = p
		}
		return strings.Join(parts, "; ")
	}},
	{FieldOverride, func(c *Change) string {
		if c.Override == nil {
			return ""
		}
		return c.Override.By + ": " + c.Override.Reason
	}},
	{FieldActualStart, func(c *Change) string { return fmtTime(c.ActualStart) }},
	{FieldActualEnd, func(c *Change) string { return fmtTime(c.ActualEnd) }},
	{FieldOutcome, func(c *Change) string { return string(c.Outcome) }},
	{FieldReviewNotes, func(c *Change) string { return c.ReviewNotes }},
	{FieldCancelReason, func(c *Change) string { return c.CancelReason }},
	{FieldProblems, func(c *Change) string { return strings.Join(c.Problems, ",") }},
	{FieldIncidents, func(c *Change) string { return strings.Join(c.Incidents, ",") }},
}

// diff returns the changes from a to b of every audited field.
func diff(a, b *Change) []lifecycle.FieldChange {
	var out []lifecycle.FieldChange
	for _, f := range fields {
		out = lifecycle.Diff(out, f.name, f.get(a), f.get(b))
	}
	return out
}
