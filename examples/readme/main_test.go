package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsThisProgram: the first Go code block of README.md is
// main.go as it is, less its leading comment, so the README's example
// compiles as written (go vet and go test compile this package).
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```go\n")
	if !ok {
		t.Fatal("README.md has no Go code block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md's first Go code block does not end")
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, program, _ := strings.Cut(string(src), "package main")
	if want := "package main" + program; block != want {
		t.Errorf("README.md's first Go code block differs from main.go; paste main.go from its package clause:\n%s", want)
	}
}

// TestOutput runs the program and checks what it prints.
func TestOutput(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.Bytes()
	}()
	main()
	os.Stdout = stdout
	w.Close()
	got := string(<-done)
	want := `INC0000001 resolved priority 2 - high
1 alice  open           → new
2 bob    assign        new → in_progress
3 bob    hold          in_progress → on_hold
4 carol  caller_update on_hold → in_progress
5 bob    resolve       in_progress → resolved
`
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}
