package lifecycletest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMermaidAfter(t *testing.T) {
	doc := "intro\n<!-- m -->\n\n```mermaid\nstateDiagram-v2\n    a --> b\n```\n"
	got, found, err := lifecycletest.MermaidAfter(doc, "<!-- m -->")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "stateDiagram-v2\n    a --> b\n", got)
	_, found, _ = lifecycletest.MermaidAfter(doc, "<!-- other -->")
	assert.False(t, found)
	_, found, err = lifecycletest.MermaidAfter("<!-- m -->\ntext\n```mermaid\n```\n", "<!-- m -->")
	assert.True(t, found)
	assert.Error(t, err, "the block must follow the marker")
	_, found, err = lifecycletest.MermaidAfter("<!-- m -->\n```mermaid\nstateDiagram-v2\n", "<!-- m -->")
	assert.True(t, found)
	assert.Error(t, err, "an unclosed block")
}
