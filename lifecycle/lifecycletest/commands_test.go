package lifecycletest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The types of testdata/registry, by name: the registries below hold
// values of these, as a process's registry holds its commands.
type (
	A        struct{ ID string }
	B        struct{ ID string }
	D        struct{ ID string }
	E        struct{ ID string }
	G[T any] struct{ V T }
)

const fixture = "testdata/registry"

func TestTypesWithMethod(t *testing.T) {
	names, err := lifecycletest.TypesWithMethod(fixture, "target")
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B", "E", "G", "c"}, names, "value, pointer and generic receivers, unexported too; not D, not the test file's F")

	names, err = lifecycletest.TypesWithMethod(fixture, "other")
	require.NoError(t, err)
	assert.Equal(t, []string{"D"}, names)

	names, err = lifecycletest.TypesWithMethod(fixture, "nothing")
	require.NoError(t, err)
	assert.Empty(t, names)

	_, err = lifecycletest.TypesWithMethod("testdata/no-such-package", "target")
	assert.Error(t, err, "a missing directory is an error, not an empty list")
}

func TestRegistryMismatch(t *testing.T) {
	names := []string{"A", "B", "E"}
	for _, c := range []struct {
		name           string
		registry       []any
		missing, extra []string
	}{
		{"exact", []any{A{}, B{}, E{}}, nil, nil},
		{"any order", []any{E{}, A{}, B{}}, nil, nil},
		{"a type missing", []any{A{}, E{}}, []string{"B"}, nil},
		{"empty", nil, names, nil},
		{"a type too many", []any{A{}, B{}, D{}, E{}}, nil, []string{"lifecycletest_test.D"}},
		{"a type twice", []any{A{}, B{}, B{}, E{}}, nil, []string{"lifecycletest_test.B"}},
		{"a pointer", []any{A{}, &B{}, E{}}, []string{"B"}, []string{"*lifecycletest_test.B"}},
		{"nil", []any{A{}, B{}, E{}, nil}, nil, []string{"<nil>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			missing, extra := lifecycletest.RegistryMismatch(c.registry, names)
			assert.Equal(t, c.missing, missing)
			assert.Equal(t, c.extra, extra)
		})
	}
}

func TestCheckRegistry(t *testing.T) {
	check := func(method string, registry ...any) []string {
		return failuresOf(func(f *tbFailures) { lifecycletest.CheckRegistry(f, fixture, method, registry) })
	}
	assert.Empty(t, check("target", A{}, B{}, E{}, G[int]{}), "the exported types, each once: the unexported c is internal")
	assert.Empty(t, check("other", D{}))

	errs := check("target", A{}, E{}, G[int]{})
	require.Len(t, errs, 1, "B is missing")
	assert.Contains(t, errs[0], "no B")

	errs = check("target", A{}, B{}, D{}, E{}, G[int]{})
	require.Len(t, errs, 1, "D has no target method")
	assert.Contains(t, errs[0], "lifecycletest_test.D")

	errs = check("target", A{}, B{ID: "x"}, E{}, G[int]{})
	require.Len(t, errs, 1, "a registry lists zero values")
	assert.Contains(t, errs[0], "not the zero")

	errs = check("nothing", A{})
	require.Len(t, errs, 1, "no type has the method")
	assert.Contains(t, errs[0], "no exported type")

	errs = check("target")
	assert.Len(t, errs, 4, "an empty registry misses all four")
}
