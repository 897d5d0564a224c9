package problem_test

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
// equals Diagram(). A missing README or marker is a failure: the README
// must show the diagram.
func TestReadmeDiagram(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err, "the repository's README.md must exist and show the problem diagram")
	block, found, err := mermaidAfter(readme, readmeMarker)
	require.True(t, found, "README.md has no %s marker before the problem diagram", readmeMarker)
	require.NoError(t, err)
	assert.Equal(t, problem.Diagram(), block, "README.md's problem diagram is out of date; paste testdata/diagram.mmd")
}

const readmeMarker = "<!-- problem-diagram -->"

// mermaidAfter returns the body of the ```mermaid block on the line right
// after the first line containing marker, and whether the marker is there.
func mermaidAfter(doc []byte, marker string) (string, bool, error) {
	sc := bufio.NewScanner(bytes.NewReader(doc))
	found := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), marker) {
			found = true
			break
		}
	}
	if !found {
		return "", false, nil
	}
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "```mermaid" {
		return "", true, errors.New("the line after " + marker + " must open a ```mermaid block")
	}
	var block strings.Builder
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "```" {
			return block.String(), true, nil
		}
		block.WriteString(sc.Text() + "\n")
	}
	return "", true, errors.New("the ```mermaid block after " + marker + " is not closed")
}

func TestMermaidAfter(t *testing.T) {
	doc := "# itsm\n\n" + readmeMarker + "\n```mermaid\n" + problem.Diagram() + "```\n\nmore\n"
	block, found, err := mermaidAfter([]byte(doc), readmeMarker)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, problem.Diagram(), block)

	_, found, _ = mermaidAfter([]byte("# itsm\n"), readmeMarker)
	assert.False(t, found)
	_, found, err = mermaidAfter([]byte(readmeMarker+"\ntext\n"), readmeMarker)
	assert.True(t, found)
	assert.Error(t, err)
	_, _, err = mermaidAfter([]byte(readmeMarker+"\n```mermaid\nstateDiagram-v2\n"), readmeMarker)
	assert.Error(t, err)
}
