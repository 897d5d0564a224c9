package lifecycletest_test

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// A counter is the toy process of the form tests: a number that its
// commands, tcAdd and tcReset, change. fmBroken names the fault the
// counter has, for TestFormsCatchBrokenProcesses.
type (
	tcCommand interface{ apply(n *int) error }
	tcAdd     struct{ N int }
	tcReset   struct{}
)

var fmBroken = os.Getenv("LIFECYCLETEST_BROKEN_FORMS")

func (c tcAdd) apply(n *int) error {
	if c.N == 0 {
		return lifecycle.Invalid("n", "required")
	}
	*n += c.N
	return nil
}

func (tcReset) apply(n *int) error { *n = 0; return nil }

// tcDo runs cmd on the counter n, as a process's Do does: a nil command,
// or a nil pointer, is a validation error.
func tcDo(n *int, cmd tcCommand) error {
	if p, ok := cmd.(*tcAdd); ok && p != nil && fmBroken == "pointer" {
		_ = p.apply(n) // a pointer adds twice
	}
	if v := reflect.ValueOf(cmd); fmBroken == "nilpointer" && v.Kind() == reflect.Pointer && v.IsNil() {
		*n = -1 // refused, but changed
		return lifecycle.Invalid("command", "nil")
	}
	if err := lifecycle.NilCommand(cmd); err != nil {
		return err
	}
	if v := reflect.ValueOf(cmd); v.Kind() == reflect.Pointer {
		cmd = v.Elem().Interface().(tcCommand)
	}
	return cmd.apply(n)
}

type tcCase struct {
	name, want string
	start      int
	cmd        func(string) tcCommand
}

func tcForms() lifecycletest.Forms[tcCase, tcCommand, int] {
	cases := []tcCase{
		{"add", "", 1, func(string) tcCommand { return tcAdd{N: 2} }},
		{"add nothing", "validation", 1, func(string) tcCommand { return tcAdd{} }},
		{"reset", "", 5, func(string) tcCommand { return tcReset{} }},
	}
	switch fmBroken {
	case "nocase":
		cases = cases[:2]
	case "want":
		cases[1].want = ""
	}
	return lifecycletest.Forms[tcCase, tcCommand, int]{
		Registry: []tcCommand{tcAdd{}, tcReset{}},
		Cases:    cases,
		Name:     func(c tcCase) string { return c.name },
		Want:     func(c tcCase) string { return c.want },
		Command:  func(c tcCase, id string) tcCommand { return c.cmd(id) },
		Do: func(_ *testing.T, c tcCase, f lifecycletest.Form) (int, error) {
			n := c.start
			cmd, ok := lifecycletest.InForm(f, c.cmd("x"))
			if !ok {
				return n, nil
			}
			err := tcDo(&n, cmd)
			return n, err
		},
		Apply: func(_ *testing.T, c tcCase, cmd tcCommand) lifecycletest.Applied {
			n := c.start
			if fmBroken == "apply" {
				n++ // the pure Apply changes the record it refuses
			}
			err := tcDo(&n, cmd)
			return lifecycletest.Applied{Before: c.start, After: n, Err: err}
		},
	}
}

func TestForms(t *testing.T) {
	fs := tcForms()
	fs.TestPointers(t)
	fs.TestNils(t)
	if got := fs.Find(t, "reset"); got.name != "reset" {
		t.Errorf("Find(reset) = %+v", got)
	}
	for f, want := range map[lifecycletest.Form]string{
		lifecycletest.FormValue: "value", lifecycletest.FormNone: "none", lifecycletest.Form(9): "Form(9)",
	} {
		if f.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(f), f.String(), want)
		}
	}
	if _, ok := lifecycletest.InForm(lifecycletest.FormNone, tcCommand(tcReset{})); ok {
		t.Error("InForm(FormNone) has a command to run")
	}
	p, _ := lifecycletest.InForm(lifecycletest.FormPointer, tcCommand(tcAdd{N: 3}))
	if q, ok := p.(*tcAdd); !ok || q.N != 3 {
		t.Errorf("InForm(FormPointer) = %#v, want a pointer to a copy", p)
	}
}

// TestBrokenFormsHelper runs the form tests on a broken counter when
// TestFormsCatchBrokenProcesses asks it to (in a child process, since it
// must fail).
func TestBrokenFormsHelper(t *testing.T) {
	if fmBroken == "" {
		t.Skip("run by TestFormsCatchBrokenProcesses")
	}
	fs := tcForms()
	fs.TestPointers(t)
	fs.TestNils(t)
}

func TestFormsCatchBrokenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for name, want := range map[string]string{
		"pointer":    "*lifecycletest_test.tcAdd differ",
		"nilpointer": "a refused command changes nothing",
		"nocase":     "no case for lifecycletest_test.tcReset",
		"want":       `want class ""`,
		"apply":      "the pure Apply changes nothing",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenFormsHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LIFECYCLETEST_BROKEN_FORMS="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the form tests passed the %s counter:\n%s", name, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the form tests failed the %s counter without saying %q:\n%s", name, want, out)
			}
		})
	}
}
