package change

import (
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Rules is the host's change policy as the pure layer needs it: who
// authorizes which changes, how risk is calculated, which standard change
// templates exist, and how impact and urgency give priority. The zero
// Rules is the documented default ([DefaultAuthorities],
// [DefaultRiskRules], no questionnaire, no templates,
// lifecycle.DefaultMatrix). Rules must not be modified while in use.
type Rules struct {
	// Authorities are the change authorities; for a (type, risk) the first
	// that covers it applies. Together they must cover every risk level of
	// normal and emergency changes. Nil means [DefaultAuthorities].
	Authorities []Authority
	// RiskRules is the rule-based risk calculator. Nil means
	// [DefaultRiskRules]; an empty non-nil slice means no rules (every
	// change is low risk unless the questionnaire says otherwise).
	RiskRules []RiskRule
	// Questionnaire, when set, is the optional risk questionnaire. A
	// change's answers are checked against it, and its level competes with
	// the rules': the higher wins.
	Questionnaire *Questionnaire
	// Templates are the standard change templates, by unique name.
	Templates []Template
	// Matrix derives a change's priority from its impact and urgency, as
	// for incidents and problems; the zero Matrix is
	// lifecycle.DefaultMatrix (3 × 3, priorities 1 to 5).
	Matrix lifecycle.Matrix
}

func (r Rules) authorities() []Authority {
	if r.Authorities == nil {
		return DefaultAuthorities()
	}
	return r.Authorities
}

func (r Rules) riskRules() []RiskRule {
	if r.RiskRules == nil {
		return defaultRiskRules
	}
	return r.RiskRules
}

var defaultRiskRules = DefaultRiskRules()

// Validate checks the rules and returns a *lifecycle.ValidationError naming
// the first problem: an invalid authority, a (type, risk) of a normal or
// emergency change no authority covers, a risk rule without name, known
// level or predicate, an invalid questionnaire, an invalid or repeated
// template.
func (r Rules) Validate() error {
	auths := r.authorities()
	for _, a := range auths {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	for _, t := range []Type{Normal, Emergency} {
		for _, risk := range allRisks {
			if _, err := r.AuthorityFor(t, risk); err != nil {
				return err
			}
		}
	}
	for i, rr := range r.riskRules() {
		if strings.TrimSpace(rr.Name) == "" || rr.Level.Rank() < 1 || rr.When == nil {
			return lifecycle.Invalid("risk_rules", "rule %d (%q) needs a name, a known level and a When predicate", i, rr.Name)
		}
	}
	if r.Questionnaire != nil {
		if err := r.Questionnaire.Validate(); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, t := range r.templates() {
		if err := t.Validate(); err != nil {
			return err
		}
		if seen[t.Name] {
			return lifecycle.Invalid("template "+t.Name+": name", "two templates have this name")
		}
		seen[t.Name] = true
	}
	return nil
}

func (r Rules) templates() []Template {
	return r.Templates
}

// AuthorityFor returns a copy of the first authority that covers changes of
// type t at risk level risk, or a *lifecycle.ValidationError when none does
// (standard changes never have one).
func (r Rules) AuthorityFor(t Type, risk Risk) (Authority, error) {
	for _, a := range r.authorities() {
		if a.Covers(t, risk) {
			return a.Clone(), nil
		}
	}
	return Authority{}, lifecycle.Invalid("authorities", "no change authority covers %s changes at risk %q", t, risk)
}

// Template returns the template named name, and whether there is one.
func (r Rules) Template(name string) (Template, bool) {
	for _, t := range r.templates() {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// Assess calculates c's risk at now without changing c: for a standard
// change, its template's pre-assessed level (low when the template sets
// none); otherwise the highest level among the risk rules that match
// (low when none does) and the questionnaire's level for c's answers, the
// higher of the two winning. Risk rules see c as it is, including its
// recorded conflicts.
func (r Rules) Assess(c *Change, now time.Time) RiskAssessment {
	a := RiskAssessment{At: now}
	if c.Type == Standard {
		a.Template = c.Template
		a.Rules = RiskLow
		if t, ok := r.Template(c.Template); ok && t.Risk != "" {
			a.Rules = t.Risk
		}
		a.Level = a.Rules
		return a
	}
	a.Rules = RiskLow
	for _, rr := range r.riskRules() {
		if rr.When != nil && rr.When(c) {
			a.Rules = a.Rules.Max(rr.Level)
			m := rr.Name
			if rr.Reason != "" {
				m += ": " + rr.Reason
			}
			a.Matched = append(a.Matched, m)
		}
	}
	if r.Questionnaire != nil {
		a.Score, a.Questionnaire = r.Questionnaire.Score(c.Answers)
	}
	a.Level = a.Rules.Max(a.Questionnaire)
	return a
}
