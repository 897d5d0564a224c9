package lifecycletest_test

import (
	"fmt"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The types of a package's source that have a method: a process test
// names its sealed Command interface's method and gets its command types.
func ExampleTypesWithMethod() {
	names, err := lifecycletest.TypesWithMethod("testdata/registry", "target")
	if err != nil {
		panic(err)
	}
	fmt.Println(names)
	// Output: [A B E G c]
}

// A registry that lacks a command type, and holds a pointer instead.
func ExampleRegistryMismatch() {
	registry := []any{A{}, &B{}}
	missing, extra := lifecycletest.RegistryMismatch(registry, []string{"A", "B", "E"})
	fmt.Println("missing:", missing)
	fmt.Println("extra:", extra)
	// Output:
	// missing: [B E]
	// extra: [*lifecycletest_test.B]
}
