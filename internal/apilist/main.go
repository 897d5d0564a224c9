// Command apilist writes the exported API of every package of the module,
// one line a declaration, to api/<package path>.txt, in the spirit of the
// Go project's api/ folder: a change to the exported API then shows up in
// review as a change to those files, and in CHANGELOG.md.
//
//	go run ./internal/apilist          # rewrite api/
//	go run ./internal/apilist -check   # fail when api/ does not match the code
//
// It reads the source with go/parser, without type-checking: a line is a
// declaration as written (function signatures, struct fields, interface
// methods, constants and variables with their declared types), with doc
// comments and bodies left out. Test files, internal packages, testdata and
// the examples module are not listed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	check := flag.Bool("check", false, "compare api/ with the code instead of writing it")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "apilist:", err)
		os.Exit(1)
	}
}

func run(check bool) error {
	pkgs, err := packageDirs(".")
	if err != nil {
		return err
	}
	want := map[string][]byte{}
	for _, dir := range pkgs {
		lines, err := listPackage(dir)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			continue
		}
		want[filepath.Join("api", dir+".txt")] = []byte(strings.Join(lines, "\n") + "\n")
	}
	have := map[string]bool{}
	_ = filepath.WalkDir("api", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".txt") {
			have[path] = true
		}
		return nil
	})
	var stale []string
	for path, content := range want {
		old, err := os.ReadFile(path)
		if err == nil && bytes.Equal(old, content) {
			continue
		}
		if check {
			stale = append(stale, path)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	for path := range have {
		if _, ok := want[path]; ok {
			continue
		}
		if check {
			stale = append(stale, path)
			continue
		}
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		return fmt.Errorf("the exported API changed; run 'go run ./internal/apilist', review the diff and note it in CHANGELOG.md:\n  %s",
			strings.Join(stale, "\n  "))
	}
	return nil
}

// packageDirs returns the directories under root that hold a package's
// non-test Go files, as slash-separated paths relative to root.
func packageDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "internal" || name == "examples" || name == "api") {
			return filepath.SkipDir
		}
		files, err := sourceFiles(path)
		if err != nil {
			return err
		}
		if len(files) > 0 {
			dirs = append(dirs, filepath.ToSlash(path))
		}
		return nil
	})
	return dirs, err
}

func sourceFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			files = append(files, filepath.Join(dir, n))
		}
	}
	return files, nil
}

// listPackage returns the sorted API lines of the package in dir.
func listPackage(dir string) ([]string, error) {
	files, err := sourceFiles(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var lines []string
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Name.Name == "main" {
			return nil, nil
		}
		l := lister{fset: fset, prefix: "pkg " + dir + ", "}
		for _, d := range f.Decls {
			l.decl(d)
		}
		lines = append(lines, l.lines...)
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}

type lister struct {
	fset   *token.FileSet
	prefix string
	lines  []string
}

func (l *lister) add(format string, args ...any) {
	l.lines = append(l.lines, l.prefix+fmt.Sprintf(format, args...))
}

// expr renders a node on one line.
func (l *lister) expr(n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, l.fset, n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func (l *lister) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return
		}
		fn := &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}
		if d.Recv != nil {
			recv := receiverType(d.Recv.List[0].Type)
			if !ast.IsExported(recv) {
				return
			}
			l.add("method (%s) %s", l.expr(d.Recv.List[0].Type), strings.TrimPrefix(l.expr(&ast.FuncDecl{Name: d.Name, Type: d.Type}), "func "))
			return
		}
		l.add("%s", l.expr(fn))
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				l.typeSpec(s)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if !n.IsExported() {
						continue
					}
					kind := "var"
					if d.Tok == token.CONST {
						kind = "const"
					}
					if s.Type != nil {
						l.add("%s %s %s", kind, n.Name, l.expr(s.Type))
					} else {
						l.add("%s %s", kind, n.Name)
					}
				}
			}
		}
	}
}

func (l *lister) typeSpec(s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	name := s.Name.Name
	if s.TypeParams != nil {
		var params []string
		for _, f := range s.TypeParams.List {
			var names []string
			for _, n := range f.Names {
				names = append(names, n.Name)
			}
			params = append(params, strings.Join(names, ", ")+" "+l.expr(f.Type))
		}
		name += "[" + strings.Join(params, ", ") + "]"
	}
	assign := ""
	if s.Assign.IsValid() {
		assign = "= "
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		l.add("type %s %sstruct", name, assign)
		l.members(name+" struct", t.Fields, func(n string, f *ast.Field) string { return n + " " + l.expr(f.Type) })
	case *ast.InterfaceType:
		l.add("type %s %sinterface", name, assign)
		l.members(name+" interface", t.Methods, func(n string, f *ast.Field) string {
			return n + strings.TrimPrefix(l.expr(f.Type), "func")
		})
	default:
		l.add("type %s %s%s", name, assign, l.expr(s.Type))
	}
}

// members lists the exported fields or methods of a struct or interface
// type (owner, e.g. "Write[T any] struct"): embedded ones by their type,
// named ones as render gives them.
func (l *lister) members(owner string, list *ast.FieldList, render func(name string, f *ast.Field) string) {
	for _, f := range list.List {
		if len(f.Names) == 0 {
			l.add("type %s, embedded %s", owner, l.expr(f.Type))
			continue
		}
		for _, n := range f.Names {
			if n.IsExported() {
				l.add("type %s, %s", owner, render(n.Name, f))
			}
		}
	}
}

// receiverType returns the name of a method's receiver type.
func receiverType(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}
