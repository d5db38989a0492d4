// Package racetests keeps make test's race-detector split honest. In the
// packages whose tests make test splits by name (RACE_SPLIT_PKGS in the
// Makefile), only the tests whose names match RACE_SPLIT_TESTS run under
// -race; the others run without it. A test that starts goroutines under a
// name that does not match would silently lose the race detector, so each
// such package calls Check from one of its tests.
package racetests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// Concurrent is the part of RACE_SPLIT_TESTS that the split packages'
// goroutine tests match: their names contain "Concurrent".
var Concurrent = regexp.MustCompile(`^Test[A-Za-z0-9_]*Concurrent[A-Za-z0-9_]*$`)

// Check parses the _test.go files of the current directory and fails t for
// every Test function that starts goroutines (a go statement or a call of
// a method named Go, as sync.WaitGroup.Go and errgroup have), itself or in
// a function of the same files it calls, unless its name matches want.
func Check(t testing.TB, want *regexp.Regexp) {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("racetests: no test files here (%v)", err)
	}
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatalf("racetests: %v", err)
		}
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				funcs[key(fd)] = fd
			}
		}
	}
	starts := map[string]bool{}
	for k, fd := range funcs {
		starts[k] = startsGoroutines(fd.Body)
	}
	var bad []string
	for k, fd := range funcs {
		if fd.Recv != nil || !isTest(fd) || want.MatchString(fd.Name.Name) {
			continue
		}
		if starts[k] || callsAny(fd.Body, starts) {
			bad = append(bad, fset.Position(fd.Pos()).String()+": "+fd.Name.Name)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s starts goroutines, but make test runs this package's tests under the race detector only when their names match %s: rename it (see RACE_SPLIT_TESTS in the Makefile)", b, want)
	}
}

func isTest(fd *ast.FuncDecl) bool {
	n := fd.Name.Name
	return len(n) > 4 && n[:4] == "Test" && fd.Type.Params != nil && len(fd.Type.Params.List) == 1
}

// key names a function or method the way a call of it in the same
// package is written (methods by their name alone: close enough here).
func key(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return "." + fd.Name.Name
	}
	return fd.Name.Name
}

func startsGoroutines(body ast.Node) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			found = true
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Go" {
				found = true
			}
		}
		return !found
	})
	return found
}

func callsAny(body ast.Node, starts map[string]bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			switch f := c.Fun.(type) {
			case *ast.Ident:
				found = found || starts[f.Name]
			case *ast.SelectorExpr:
				found = found || starts["."+f.Sel.Name]
			}
		}
		return !found
	})
	return found
}
