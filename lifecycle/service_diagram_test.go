package lifecycle_test

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// updateDiagramGoldens reports whether -update was given: go test ./lifecycle -run Diagram -update
// rewrites the golden files. The flag is shared with any other test file of
// the package's test binary that defines it.
func updateDiagramGoldens() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func TestDiagramGoldens(t *testing.T) {
	for file, got := range map[string]string{
		"service.mmd":     lifecycle.ServiceDiagram(),
		"improvement.mmd": lifecycle.ImprovementDiagram(),
	} {
		path := filepath.Join("testdata", file)
		if updateDiagramGoldens() {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./lifecycle -run TestDiagramGoldens -update to create it")
		assert.Equal(t, string(want), got, "%s is stale: rerun with -update and review the diff", path)
	}
}

// mermaidAfter returns the body of the ```mermaid block that follows the
// first line containing marker, and whether there is one.
func mermaidAfter(text, marker string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	state := 0 // 0: looking for the marker, 1: expecting the fence, 2: in the block
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch state {
		case 0:
			if strings.Contains(line, marker) {
				state = 1
			}
		case 1:
			if strings.TrimSpace(line) == "" {
				continue
			}
			if strings.TrimSpace(line) != "```mermaid" {
				return "", false
			}
			state = 2
		case 2:
			if strings.TrimSpace(line) == "```" {
				return b.String(), true
			}
			b.WriteString(line + "\n")
		}
	}
	return "", false
}

func TestReadmeServiceDiagram(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Skip("no README.md")
	}
	got, ok := mermaidAfter(string(readme), "<!-- service-diagram -->")
	if !ok {
		t.Skip("README.md has no ```mermaid block after <!-- service-diagram -->")
	}
	assert.Equal(t, lifecycle.ServiceDiagram(), got, "README.md's service diagram is stale: paste lifecycle.ServiceDiagram() (testdata/service.mmd)")
}

func TestMermaidAfter(t *testing.T) {
	text := "# x\n<!-- service-diagram -->\n\n```mermaid\nstateDiagram-v2\n    a --> b\n```\n"
	got, ok := mermaidAfter(text, "<!-- service-diagram -->")
	assert.True(t, ok)
	assert.Equal(t, "stateDiagram-v2\n    a --> b\n", got)
	_, ok = mermaidAfter("<!-- service-diagram -->\ntext\n```mermaid\n```\n", "<!-- service-diagram -->")
	assert.False(t, ok, "the block must follow the marker")
	_, ok = mermaidAfter("no marker", "<!-- service-diagram -->")
	assert.False(t, ok)
}
