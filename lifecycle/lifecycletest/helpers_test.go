package lifecycletest_test

import (
	"fmt"
	"testing"
)

// tbFailures is a testing.TB (and so a require.TestingT) that keeps what
// a check reports; its Fatalf and FailNow stop the check, as they stop a
// test.
type tbFailures struct {
	testing.TB
	errs []string
}

func (f *tbFailures) Helper() {}

// Name names the check in testify's reports, which ask a testing.TB for
// it.
func (f *tbFailures) Name() string { return "check" }

func (f *tbFailures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *tbFailures) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.FailNow()
}

func (f *tbFailures) FailNow() { panic(f) }

// failuresOf runs check on a tbFailures and returns what it reported.
func failuresOf(check func(*tbFailures)) (errs []string) {
	f := &tbFailures{}
	defer func() {
		if r := recover(); r != nil && r != f {
			panic(r)
		}
		errs = f.errs
	}()
	check(f)
	return f.errs
}

// passes and fails say what a check reported on a tbFailures.
func passes(t *testing.T, what string, check func(*tbFailures)) {
	t.Helper()
	if errs := failuresOf(check); len(errs) > 0 {
		t.Errorf("%s failed: %v", what, errs)
	}
}

func fails(t *testing.T, what string, check func(*tbFailures)) {
	t.Helper()
	if errs := failuresOf(check); len(errs) == 0 {
		t.Errorf("%s passed", what)
	}
}
