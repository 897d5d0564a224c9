package lifecycletest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TypesWithMethod returns the sorted names of the types declared in the
// non-test Go files of directory dir (those not ending in _test.go) that
// have a method named method, on a value or a pointer receiver; a generic
// type is named without its type parameters. Build constraints are not
// evaluated: every file counts. A directory that cannot be read, or a file
// that does not parse, is an error. A process test passes
// its package's directory (".") and the method of its sealed Command
// interface, and gets the command types of its source.
func TypesWithMethod(dir, method string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) == 0 || fn.Name.Name != method {
				continue
			}
			if recv := receiverName(fn.Recv.List[0].Type); recv != "" && !slices.Contains(names, recv) {
				names = append(names, recv)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// receiverName returns the name of the type of a method's receiver
// expression: T, *T, T[P] or *T[P, Q].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// RegistryMismatch compares a process's command registry with names, the
// command types of its source (see [TypesWithMethod]). missing lists the
// names that no value of registry has; extra lists the entries of
// registry that are not one value of a named type: a type names lacks, a
// type listed twice, a pointer, or nil (written as %T writes them). Both
// are empty when the registry lists each named type once, as a value.
func RegistryMismatch[C any](registry []C, names []string) (missing, extra []string) {
	seen := map[string]bool{}
	for _, c := range registry {
		t := reflect.TypeOf(c)
		name := ""
		if t != nil {
			name, _, _ = strings.Cut(t.Name(), "[")
		}
		if t == nil || t.Kind() == reflect.Pointer || !slices.Contains(names, name) || seen[name] {
			extra = append(extra, fmt.Sprintf("%T", c))
			continue
		}
		seen[name] = true
	}
	for _, n := range names {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	return missing, extra
}

// CheckRegistry fails t unless registry, a process's list of commands,
// holds one zero value of each exported type declared in the non-test Go
// files of dir with a method named method, and nothing else. Unexported
// types with the method are the package's internal commands, which hosts
// cannot build, and are no part of the registry. It fails t too when dir
// declares no such type, so that a wrong method name cannot pass.
func CheckRegistry[C any](t testing.TB, dir, method string, registry []C) {
	t.Helper()
	all, err := TypesWithMethod(dir, method)
	if err != nil {
		t.Fatalf("reading the command types of %s: %v", dir, err)
		return
	}
	names := slices.DeleteFunc(all, func(n string) bool { return !token.IsExported(n) })
	if len(names) == 0 {
		t.Fatalf("%s declares no exported type with method %s", dir, method)
		return
	}
	missing, extra := RegistryMismatch(registry, names)
	for _, n := range missing {
		t.Errorf("the registry has no %s, a type of %s with method %s", n, dir, method)
	}
	for _, n := range extra {
		t.Errorf("the registry holds %s, which is not one value of a command type of %s", n, dir)
	}
	for _, c := range registry {
		if v := reflect.ValueOf(c); v.IsValid() && v.Kind() != reflect.Pointer && !v.IsZero() {
			t.Errorf("the registry holds %#v, not the zero %T", c, c)
		}
	}
}
