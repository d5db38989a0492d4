package interop

// The Node apps' packages, installed once per lock file instead of once per
// test run. npm ci of the six apps cost about 22 CPU-seconds per run of this
// package (2 cores, npm 11, a warm ~/.npm: a0deploy 6.7 s, auth0-node 5.1 s,
// express-app 4.1 s, ...), most of the package's CPU apart from
// auth0-deploy-cli's own schema check, and the same files every time: what
// npm ci installs is fixed by package.json, package-lock.json, the platform
// and the node and npm versions. So the tests keep one npm ci per such key
// in a cache directory and reuse it while the key is the same; a changed
// lock file, node or npm is a new key and a fresh npm ci.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// npmCacheEnv names the cache directory; "off" installs every app afresh
// into the test's temporary directory (the behaviour before the cache).
// Unset, the cache is consentry/interop-npm in the user cache directory
// (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux).
const npmCacheEnv = "CONSENTRY_NPM_CACHE"

// npmMarker is written into an entry after its npm ci succeeded, holding
// the entry's key; only entries with it are used.
const npmMarker = "consentry-npm-ci-ok"

// The packages' files every app's install is made of.
var npmInputs = []string{"package.json", "package-lock.json"}

// npmStore installs an app's packages, through a cache when root is set.
type npmStore struct {
	root string // the cache directory; "" installs into the caller's directory every time
	// tool is the part of the key that is not the app's: node's and npm's
	// versions and the platform.
	tool string
	// install runs npm ci in dir (which holds the app's package files).
	install func(ctx context.Context, dir string) error
}

// modules returns a directory with src's package files and the
// node_modules npm ci installs from them. With a cache, an entry made
// earlier for the same key is reused as it is; otherwise npm ci runs in a
// new directory beside the cache's entries, which becomes the entry only
// once it is complete (a rename), so an interrupted install is never
// used, and two test runs that install at once both end up with one
// complete entry. Without a cache, npm ci runs in scratch/<app>.
func (s npmStore) modules(ctx context.Context, src, scratch string) (string, error) {
	app := filepath.Base(src)
	if s.root == "" {
		dir := filepath.Join(scratch, app+"-npm")
		if err := copyInputs(src, dir); err != nil {
			return "", err
		}
		return dir, s.install(ctx, dir)
	}
	key, err := s.key(src)
	if err != nil {
		return "", err
	}
	entry := filepath.Join(s.root, app+"-"+key[:24])
	if validNPMEntry(entry, key) {
		now := time.Now()
		_ = os.Chtimes(filepath.Join(entry, npmMarker), now, now) // last used, for pruning
		return entry, nil
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return "", err
	}
	staging, err := os.MkdirTemp(s.root, app+"-"+key[:24]+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(staging) // a no-op once it has become the entry
	if err := copyInputs(src, staging); err != nil {
		return "", err
	}
	if err := s.install(ctx, staging); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(staging, npmMarker), []byte(key+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(staging, entry); err != nil {
		if validNPMEntry(entry, key) { // another run installed the same key first
			return entry, nil
		}
		// Not an entry of ours (no marker): replace it.
		if err := os.RemoveAll(entry); err != nil {
			return "", err
		}
		if err := os.Rename(staging, entry); err != nil {
			return "", err
		}
	}
	s.prune(app, entry)
	return entry, nil
}

// key is the SHA-256 of everything that decides what npm ci installs.
func (s npmStore) key(src string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "consentry interop npm ci v1\x00%s\x00%s/%s\x00", s.tool, runtime.GOOS, runtime.GOARCH)
	for _, name := range npmInputs {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// validNPMEntry says whether dir is a complete install for key.
func validNPMEntry(dir, key string) bool {
	data, err := os.ReadFile(filepath.Join(dir, npmMarker))
	if err != nil || string(bytes.TrimSpace(data)) != key {
		return false
	}
	// npm ci writes its hidden lock file last.
	_, err = os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	return err == nil
}

// npmPruneAge is how long an entry of an app's older key stays unused
// before prune removes it (another branch may still want it).
const npmPruneAge = 7 * 24 * time.Hour

// prune removes the app's entries for other keys unused for npmPruneAge,
// and its staging directories older than a day (left by a killed run).
func (s npmStore) prune(app, keep string) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	name := regexp.MustCompile(`^` + regexp.QuoteMeta(app) + `-[0-9a-f]{24}(\.tmp-[0-9]+)?$`)
	for _, e := range entries {
		path := filepath.Join(s.root, e.Name())
		m := name.FindStringSubmatch(e.Name())
		if !e.IsDir() || path == keep || m == nil {
			continue
		}
		age, stamp := npmPruneAge, filepath.Join(path, npmMarker)
		if m[1] != "" {
			age, stamp = 24*time.Hour, path
		}
		fi, err := os.Stat(stamp)
		if errors.Is(err, os.ErrNotExist) {
			age, fi, err = 24*time.Hour, nil, nil // an entry without a marker
			if fi, err = os.Stat(path); err != nil {
				continue
			}
		}
		if err == nil && time.Since(fi.ModTime()) > age {
			_ = os.RemoveAll(path)
		}
	}
}

func copyInputs(src, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range npmInputs {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// theNPMStore is the store of this test binary: the cache directory of
// npmCacheEnv and the versions of the node and npm on PATH, read once.
var theNPMStore struct {
	once  sync.Once
	store npmStore
	err   error
}

func npmStoreFor(npm, node string) (npmStore, error) {
	theNPMStore.once.Do(func() {
		s := npmStore{install: func(ctx context.Context, dir string) error {
			cmd := exec.CommandContext(ctx, npm, "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
			}
			return nil
		}}
		switch root := os.Getenv(npmCacheEnv); root {
		case "off":
		case "":
			if dir, err := os.UserCacheDir(); err == nil {
				s.root = filepath.Join(dir, "consentry", "interop-npm")
			}
		default:
			if s.root, theNPMStore.err = filepath.Abs(root); theNPMStore.err != nil {
				return
			}
		}
		var versions []string
		for _, c := range []string{node, npm} {
			out, err := exec.Command(c, "--version").Output()
			if err != nil {
				theNPMStore.err = fmt.Errorf("%s --version: %w", c, err)
				return
			}
			versions = append(versions, strings.TrimSpace(string(out)))
		}
		s.tool = "node " + versions[0] + " npm " + versions[1]
		theNPMStore.store = s
	})
	return theNPMStore.store, theNPMStore.err
}

// npmInstall starts installing src's packages in the background and
// returns a function that waits for the install and returns the directory
// whose node_modules holds them (read-only to the tests: it may be shared
// with later runs). The test does other set-up meanwhile (building and
// starting the mock); the install is waited for at the test's end too, so
// that its temporary directory is never removed under a running npm.
func npmInstall(t *testing.T, ctx context.Context, node, npm, src, scratch string) (wait func() string) {
	t.Helper()
	store, err := npmStoreFor(npm, node)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		dir string
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		dir, err := store.modules(ctx, src, scratch)
		done <- result{dir, err}
	}()
	var (
		once sync.Once
		res  result
	)
	get := func() result {
		once.Do(func() { res = <-done })
		return res
	}
	t.Cleanup(func() { get() })
	return func() string {
		t.Helper()
		r := get()
		if r.err != nil {
			t.Fatalf("installing %s's packages: %v", src, r.err)
		}
		t.Logf("%s: packages ready in %s (%s)", filepath.Base(src), time.Since(start).Round(10*time.Millisecond), r.dir)
		return r.dir
	}
}
