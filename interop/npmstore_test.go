package interop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeNPM is an npm ci stand-in: it counts its runs and writes what npm ci
// leaves behind (node_modules with npm's hidden lock file, a copy of the
// lock it installed from).
type fakeNPM struct {
	runs atomic.Int32
	fail error
}

func (f *fakeNPM) install(_ context.Context, dir string) error {
	f.runs.Add(1)
	if f.fail != nil {
		return f.fail
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "left-pad"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "node_modules", ".package-lock.json"), lock, 0o644)
}

// npmTestApp writes an app's package files into a new directory.
func npmTestApp(t *testing.T, name, lock string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, body := range map[string]string{"package.json": `{"name":"` + name + `"}`, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(src, file), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func installedLock(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestNPMStoreReusesTheInstallOfTheSameLockFile(t *testing.T) {
	npm := &fakeNPM{}
	s := npmStore{root: t.TempDir(), tool: "node v20 npm 11", install: npm.install}
	src := npmTestApp(t, "app", `{"lockfileVersion":3,"v":1}`)
	first, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if first != second || npm.runs.Load() != 1 {
		t.Errorf("two installs of one lock file: dirs %s and %s, npm ci ran %d times, want one dir and 1 run", first, second, npm.runs.Load())
	}
	if got := installedLock(t, second); got != `{"lockfileVersion":3,"v":1}` {
		t.Errorf("installed from %s", got)
	}
}

func TestNPMStoreInstallsAgainWhenTheLockFileNodeOrNPMChange(t *testing.T) {
	npm := &fakeNPM{}
	root := t.TempDir()
	s := npmStore{root: root, tool: "node v20.20.2 npm 11.19.1", install: npm.install}
	src := npmTestApp(t, "app", `{"v":1}`)
	before, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "package-lock.json"), []byte(`{"v":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	afterLock, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if afterLock == before || installedLock(t, afterLock) != `{"v":2}` {
		t.Errorf("after the lock file changed: %s (installed from %s), before %s", afterLock, installedLock(t, afterLock), before)
	}
	s.tool = "node v22.1.0 npm 11.19.1"
	afterNode, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if afterNode == afterLock || npm.runs.Load() != 3 {
		t.Errorf("another node reused %s (npm ci ran %d times, want 3)", afterNode, npm.runs.Load())
	}
	if installedLock(t, before) != `{"v":1}` {
		t.Error("a new key changed the entry of the old one")
	}
}

func TestNPMStoreNeverUsesAnInterruptedInstall(t *testing.T) {
	root := t.TempDir()
	src := npmTestApp(t, "app", `{"v":1}`)
	broken := &fakeNPM{fail: errors.New("npm ci: ECONNRESET")}
	s := npmStore{root: root, tool: "t", install: broken.install}
	if _, err := s.modules(context.Background(), src, t.TempDir()); err == nil {
		t.Fatal("a failed npm ci gave no error")
	}
	left, _ := os.ReadDir(root)
	if len(left) != 0 {
		t.Errorf("a failed install left %v in the cache", left)
	}

	// A directory in the entry's place without the marker (not made by a
	// complete install) is replaced, not used.
	key, err := s.key(src)
	if err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(root, "app-"+key[:24])
	if err := os.MkdirAll(filepath.Join(entry, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	good := &fakeNPM{}
	s.install = good.install
	dir, err := s.modules(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if dir != entry || good.runs.Load() != 1 || installedLock(t, dir) != `{"v":1}` {
		t.Errorf("got %s after %d installs, want %s installed once", dir, good.runs.Load(), entry)
	}
}

func TestNPMStoreConcurrentInstallsOfOneLockShareOneEntry(t *testing.T) {
	npm := &fakeNPM{}
	s := npmStore{root: t.TempDir(), tool: "t", install: npm.install}
	src := npmTestApp(t, "app", `{"v":1}`)
	var wg sync.WaitGroup
	dirs := make([]string, 4)
	errs := make([]error, 4)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = s.modules(context.Background(), src, t.TempDir())
		}()
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Errorf("install %d: %s, %v; want %s", i, dirs[i], errs[i], dirs[0])
		}
	}
	entries, _ := os.ReadDir(s.root)
	if len(entries) != 1 {
		t.Errorf("the cache holds %d directories after concurrent installs of one lock, want 1", len(entries))
	}
}

func TestNPMStoreOffInstallsIntoTheTestsDirectoryEveryTime(t *testing.T) {
	npm := &fakeNPM{}
	s := npmStore{tool: "t", install: npm.install}
	src := npmTestApp(t, "app", `{"v":1}`)
	scratch := t.TempDir()
	dir, err := s.modules(context.Background(), src, scratch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.modules(context.Background(), src, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != scratch || npm.runs.Load() != 2 {
		t.Errorf("without a cache: installed in %s, %d runs; want a directory in %s, 2 runs", dir, npm.runs.Load(), scratch)
	}
}

func TestNPMStorePrunesOnlyTheAppsOldEntries(t *testing.T) {
	npm := &fakeNPM{}
	root := t.TempDir()
	s := npmStore{root: root, tool: "t", install: npm.install}
	old := time.Now().Add(-8 * 24 * time.Hour)
	mk := func(name string, marker bool) string {
		t.Helper()
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stamp := dir
		if marker {
			stamp = filepath.Join(dir, npmMarker)
			if err := os.WriteFile(stamp, []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(stamp, old, old); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	stale := mk("auth0-node-0123456789abcdef01234567", true)
	staging := mk("auth0-node-0123456789abcdef01234567.tmp-42", false)
	otherApp := mk("auth0-node-authn-0123456789abcdef01234567", true)
	otherStaging := mk("auth0-node-authn-0123456789abcdef01234567.tmp-7", false)
	recent := mk("auth0-node-fedcba9876543210fedcba98", true)
	now := time.Now()
	if err := os.Chtimes(filepath.Join(recent, npmMarker), now, now); err != nil {
		t.Fatal(err)
	}

	if _, err := s.modules(context.Background(), npmTestApp(t, "auth0-node", `{"v":1}`), t.TempDir()); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{stale: false, staging: false, otherApp: true, otherStaging: true, recent: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: kept = %v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
}
