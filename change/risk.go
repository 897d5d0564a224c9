package change

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// RiskRule is one rule of the rule-based risk calculator: when When holds
// for a change, the change's risk is at least Level. When must be pure and
// fast: no I/O, no mutation of the change.
type RiskRule struct {
	// Name is a short identifier, e.g. "many-config-items".
	Name string
	// Level is the least risk of a change the rule matches.
	Level Risk
	// Reason says why the rule raises the risk, for the assessment.
	Reason string
	// When reports whether the rule matches c; pure and fast.
	When func(c *Change) bool
}

func hasConflict(c *Change, k ConflictKind) bool {
	return slices.ContainsFunc(c.Conflicts, func(x Conflict) bool { return x.Kind == k })
}

// DefaultRiskRules returns the rules used when [Rules.RiskRules] is nil:
//
//	many-config-items       moderate  10 or more configuration items
//	very-many-config-items  high      50 or more configuration items
//	long-window             moderate  a planned window longer than 24 hours
//	emergency               moderate  an emergency change
//	no-backout-plan         high      no backout plan
//	no-test-plan            high      no test plan
//	config-item-booked      moderate  another change holds a configuration item in the window
//	outside-maintenance     high      a configuration item is outside its maintenance windows
//	blackout                high      the window overlaps a blackout window
//	related-change-booked   moderate  another change holds a related configuration item in the window
//	critical-service        moderate  an affected service has the widest impact (1)
//	many-services           moderate  5 or more affected services
//
// The conflict rules look at [Change.Conflicts], which the service refreshes
// before it assesses a change; the service rules look at
// [Change.AffectedServices], which the service records with the
// configuration items when it has [Config].ConfigItems. A change no rule
// matches is low risk.
func DefaultRiskRules() []RiskRule {
	return []RiskRule{
		{Name: "many-config-items", Level: RiskModerate, Reason: "10 or more configuration items",
			When: func(c *Change) bool { return len(c.ConfigItems) >= 10 }},
		{Name: "very-many-config-items", Level: RiskHigh, Reason: "50 or more configuration items",
			When: func(c *Change) bool { return len(c.ConfigItems) >= 50 }},
		{Name: "long-window", Level: RiskModerate, Reason: "a planned window longer than 24 hours",
			When: func(c *Change) bool { return c.Planned() && c.PlannedEnd.Sub(c.PlannedStart) > 24*time.Hour }},
		{Name: "emergency", Level: RiskModerate, Reason: "an emergency change",
			When: func(c *Change) bool { return c.Type == Emergency }},
		{Name: "no-backout-plan", Level: RiskHigh, Reason: "no backout plan",
			When: func(c *Change) bool { return strings.TrimSpace(c.Plans.Backout) == "" }},
		{Name: "no-test-plan", Level: RiskHigh, Reason: "no test plan",
			When: func(c *Change) bool { return strings.TrimSpace(c.Plans.Test) == "" }},
		{Name: "config-item-booked", Level: RiskModerate, Reason: "another change holds a configuration item in the window",
			When: func(c *Change) bool { return hasConflict(c, ConflictChange) }},
		{Name: "outside-maintenance", Level: RiskHigh, Reason: "a configuration item is outside its maintenance windows",
			When: func(c *Change) bool { return hasConflict(c, ConflictMaintenance) }},
		{Name: "blackout", Level: RiskHigh, Reason: "the window overlaps a blackout window",
			When: func(c *Change) bool { return hasConflict(c, ConflictBlackout) }},
		{Name: "related-change-booked", Level: RiskModerate, Reason: "another change holds a related configuration item in the window",
			When: func(c *Change) bool { return hasConflict(c, ConflictRelated) }},
		{Name: "critical-service", Level: RiskModerate, Reason: "an affected service has the widest impact",
			When: func(c *Change) bool {
				return slices.ContainsFunc(c.AffectedServices, func(s AffectedService) bool { return s.Impact == 1 })
			}},
		{Name: "many-services", Level: RiskModerate, Reason: "5 or more affected services",
			When: func(c *Change) bool { return len(c.AffectedServices) >= 5 }},
	}
}

// Questionnaire is an optional risk questionnaire: each answer carries a
// weight, the weights of a change's answers add up to a score, and the
// highest threshold the score reaches gives the level.
type Questionnaire struct {
	// Questions are asked in order; IDs are unique.
	Questions []Question `json:"questions"`
	// Thresholds map scores to levels; the highest reached wins.
	Thresholds []Threshold `json:"thresholds"`
}

// Question is one question of a [Questionnaire].
type Question struct {
	// ID identifies the question in a change's Answers.
	ID string `json:"id"`
	// Text is the question as people read it.
	Text string `json:"text"`
	// Answers are the possible answers, with unique IDs.
	Answers []Answer `json:"answers"`
}

// Answer is one possible answer to a [Question].
type Answer struct {
	// ID identifies the answer in a change's Answers.
	ID string `json:"id"`
	// Text is the answer as people read it.
	Text string `json:"text"`
	// Weight is what the answer adds to the score; not negative.
	Weight int `json:"weight"`
}

// Threshold maps scores of at least Min to Level.
type Threshold struct {
	// Min is the lowest score the threshold applies to.
	Min int `json:"min"`
	// Level is the risk level of such scores.
	Level Risk `json:"level"`
}

// Validate checks the questionnaire: at least one question, unique
// non-empty IDs, non-negative weights, at least one threshold with a known
// level.
func (q *Questionnaire) Validate() error {
	if len(q.Questions) == 0 {
		return lifecycle.Invalid("questionnaire.questions", "at least one question is required")
	}
	seen := map[string]bool{}
	for _, qu := range q.Questions {
		if qu.ID == "" || seen[qu.ID] {
			return lifecycle.Invalid("questionnaire.questions", "question ID %q is empty or repeated", qu.ID)
		}
		seen[qu.ID] = true
		if len(qu.Answers) == 0 {
			return lifecycle.Invalid("questionnaire.questions."+qu.ID, "at least one answer is required")
		}
		ans := map[string]bool{}
		for _, a := range qu.Answers {
			if a.ID == "" || ans[a.ID] {
				return lifecycle.Invalid("questionnaire.questions."+qu.ID, "answer ID %q is empty or repeated", a.ID)
			}
			ans[a.ID] = true
			if a.Weight < 0 {
				return lifecycle.Invalid("questionnaire.questions."+qu.ID, "answer %q has a negative weight", a.ID)
			}
		}
	}
	if len(q.Thresholds) == 0 {
		return lifecycle.Invalid("questionnaire.thresholds", "at least one threshold is required")
	}
	for _, t := range q.Thresholds {
		if t.Level.Rank() < 1 {
			return lifecycle.Invalid("questionnaire.thresholds", "unknown risk level %q", t.Level)
		}
	}
	return nil
}

// CheckAnswers returns a *lifecycle.ValidationError naming the first
// answer to an unknown question ("answers.<question>") or an unknown
// answer.
func (q *Questionnaire) CheckAnswers(answers map[string]string) error {
	keys := slices.Sorted(maps.Keys(answers))
	for _, k := range keys {
		i := slices.IndexFunc(q.Questions, func(x Question) bool { return x.ID == k })
		if i < 0 {
			return lifecycle.Invalid("answers."+k, "unknown question")
		}
		if !slices.ContainsFunc(q.Questions[i].Answers, func(a Answer) bool { return a.ID == answers[k] }) {
			return lifecycle.Invalid("answers."+k, "unknown answer %q", answers[k])
		}
	}
	return nil
}

// Score returns the score of answers (unknown questions and answers count
// 0) and the level it reaches: the level of the highest threshold whose Min
// the score reaches, or low when it reaches none. Without answers the level
// is empty: the questionnaire was not taken.
func (q *Questionnaire) Score(answers map[string]string) (int, Risk) {
	if len(answers) == 0 {
		return 0, ""
	}
	score := 0
	for _, qu := range q.Questions {
		a, ok := answers[qu.ID]
		if !ok {
			continue
		}
		for _, x := range qu.Answers {
			if x.ID == a {
				score += x.Weight
			}
		}
	}
	level, best := RiskLow, -1
	for _, t := range q.Thresholds {
		if score >= t.Min && t.Min > best {
			level, best = t.Level, t.Min
		}
	}
	return score, level
}

// Template is a standard change template: a pre-authorized, repeatable
// change whose plans and risk were assessed once. A standard change is made
// from a template, which fills its plans and any detail the request leaves
// empty.
type Template struct {
	// Name identifies the template; unique among the rules' templates.
	Name string `json:"name"`
	// Title is the default title of its changes.
	Title string `json:"title,omitempty"`
	// Description is the default description.
	Description string `json:"description,omitempty"`
	// Service is the default affected service.
	Service string `json:"service,omitempty"`
	// Group is the default assignment group.
	Group string `json:"group,omitempty"`
	// ConfigItems are the default configuration items.
	ConfigItems []string `json:"config_items,omitempty"`
	// Plans are the plans every change made from it takes; all three are
	// required.
	Plans Plans `json:"plans"`
	// Risk is the pre-assessed level; empty means low.
	Risk Risk `json:"risk,omitempty"`
}

// Validate checks the template: a name, all three plans, a known risk.
func (t Template) Validate() error {
	if strings.TrimSpace(t.Name) == "" {
		return lifecycle.Invalid("template.name", "a name is required")
	}
	if err := t.Plans.Validate(); err != nil {
		return lifecycle.Invalid("template "+t.Name+": "+err.(*lifecycle.ValidationError).Field, "a standard change template needs all three plans")
	}
	if t.Risk.Rank() < 0 {
		return lifecycle.Invalid("template "+t.Name+": risk", "unknown risk level %q", t.Risk)
	}
	return nil
}
