package lifecycletest

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// MermaidAfter returns the body of the ```mermaid block that follows the
// first line of doc containing marker (blank lines between them are
// allowed), whether doc has the marker, and, when it has, what is wrong
// with the block: none after the marker, or one never closed.
func MermaidAfter(doc, marker string) (block string, found bool, err error) {
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		if !strings.Contains(sc.Text(), marker) {
			continue
		}
		for sc.Scan() && strings.TrimSpace(sc.Text()) == "" {
		}
		if strings.TrimSpace(sc.Text()) != "```mermaid" {
			return "", true, errors.New("the marker " + marker + " is not followed by a ```mermaid block")
		}
		var b strings.Builder
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "```" {
				return b.String(), true, nil
			}
			b.WriteString(sc.Text() + "\n")
		}
		return "", true, errors.New("the ```mermaid block after " + marker + " is not closed")
	}
	return "", false, sc.Err()
}

// ReadmeDiagram fails t unless the file at path (a README) shows want,
// a machine's Mermaid diagram, in the ```mermaid block after the line
// holding marker (such as "<!-- incident-diagram -->"). A missing file
// or marker fails too: the README must show the diagram.
func ReadmeDiagram(t testing.TB, path, marker, want string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s must show the diagram after %s: %v", path, marker, err)
	}
	got, found, err := MermaidAfter(string(doc), marker)
	switch {
	case !found:
		t.Fatalf("%s has no %s marker above a ```mermaid block holding the diagram", path, marker)
	case err != nil:
		t.Fatalf("%s: %v", path, err)
	case got != want:
		t.Errorf("%s's diagram after %s is stale; paste:\n%s", path, marker, want)
	}
}
