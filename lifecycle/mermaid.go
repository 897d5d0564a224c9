package lifecycle

import (
	"strings"
)

// Mermaid renders the machine as a Mermaid state diagram: the initial state
// entered from [*], one arrow per (source, target) pair labelled with its
// events, and final states leading to [*]. The output is deterministic, so
// it can be kept in documentation under a golden test.
func (m *Machine[S, E, T]) Mermaid() string {
	type pair struct{ from, to S }
	var order []pair
	labels := map[pair][]string{}
	for _, t := range m.def.Transitions {
		for _, f := range t.From {
			p := pair{f, t.To}
			if _, ok := labels[p]; !ok {
				order = append(order, p)
			}
			labels[p] = append(labels[p], string(t.Event))
		}
	}
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	b.WriteString("    [*] --> " + string(m.def.Initial) + "\n")
	// Arrows grouped by source state, in the definition's state order.
	for _, s := range m.def.States {
		for _, p := range order {
			if p.from != s {
				continue
			}
			b.WriteString("    " + string(p.from) + " --> " + string(p.to) + " : " + strings.Join(labels[p], ", ") + "\n")
		}
	}
	for _, s := range m.def.States {
		if m.final[s] {
			b.WriteString("    " + string(s) + " --> [*]\n")
		}
	}
	return b.String()
}
