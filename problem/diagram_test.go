package problem_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

var update = flag.Bool("update", false, "rewrite testdata/diagram.mmd from Diagram()")

const goldenDiagram = "testdata/diagram.mmd"

// TestDiagramGolden keeps testdata/diagram.mmd equal to Diagram(). Run
// `go test ./problem -run TestDiagramGolden -update` after changing the
// machine.
func TestDiagramGolden(t *testing.T) {
	got := problem.Diagram()
	if *update {
		require.NoError(t, os.WriteFile(goldenDiagram, []byte(got), 0o644))
	}
	want, err := os.ReadFile(goldenDiagram)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), got, "Diagram() changed: run with -update and check the README")
}

func TestDiagramShape(t *testing.T) {
	d := problem.Diagram()
	assert.True(t, strings.HasPrefix(d, "stateDiagram-v2\n    [*] --> new\n"))
	for _, s := range problem.States() {
		assert.Contains(t, d, " "+string(s)+" ", "every state is drawn")
	}
	assert.Contains(t, d, "closed --> root_cause_analysis : reanalyze\n")
	assert.Contains(t, d, "canceled --> [*]\n")
	assert.NotContains(t, d, "work_note", "updates are not drawn")
}

// TestReadmeDiagram checks that the README's problem diagram, the
// ```mermaid block right after the line holding <!-- problem-diagram -->,
// equals Diagram().
func TestReadmeDiagram(t *testing.T) {
	lifecycletest.ReadmeDiagram(t, "../README.md", "<!-- problem-diagram -->", problem.Diagram())
}
