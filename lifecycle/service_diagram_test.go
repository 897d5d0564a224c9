package lifecycle_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
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

func TestReadmeServiceDiagram(t *testing.T) {
	lifecycletest.ReadmeDiagram(t, filepath.Join("..", "README.md"), "<!-- service-diagram -->", lifecycle.ServiceDiagram())
}
