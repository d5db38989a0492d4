// Package pgtest gives tests a throwaway PostgreSQL server: initdb and
// postgres from Debian's postgresql package, in a temporary directory, on a
// free loopback port, run as an unprivileged user when the tests run as root
// (PostgreSQL refuses to run as root, and CI runs as root).
//
// One server serves a whole test binary; every URL call gets a schema of its
// own, and every Copy call a database of its own (a copy of a template
// database prepared once), so tests never see each other's data. A package
// that uses it stops the server from its TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// When the server cannot start, URL skips the test with the reason, or, with
// CI set (CI=true), fails it: in CI a missing PostgreSQL is a broken setup,
// not a reason to test less.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// EnvBin names a directory holding initdb and postgres, to use instead of
// the newest /usr/lib/postgresql/*/bin.
const EnvBin = "CONSENTRY_PG_BIN"

var (
	once     sync.Once
	srv      *server
	startErr error
	names    atomic.Int64 // numbers the schemas (URL) and databases (Copy) handed out
)

type server struct {
	dir   string
	base  string // URL of the postgres database
	cmd   *exec.Cmd
	done  chan struct{} // closed when the server process has exited
	admin *sql.DB
	log   string
}

var warnOnce sync.Once

// Require starts the shared server if need be, and skips (or, in CI, fails)
// the test when it cannot start.
func Require(t testing.TB) {
	t.Helper()
	once.Do(func() { srv, startErr = start() })
	if startErr == nil {
		return
	}
	if InCI() {
		t.Fatalf("pgtest: PostgreSQL did not start, and CI=true makes that a failure: %v", startErr)
	}
	msg := fmt.Sprintf("SKIPPED: PostgreSQL tests need a local PostgreSQL (Debian package postgresql, or %s=DIR): %v", EnvBin, startErr)
	// Also on stderr, once, so that the skip shows without -v.
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, "pgtest: "+msg) })
	t.Skip(msg)
}

// URL returns the URL of a new, empty schema on the shared throwaway server.
func URL(t testing.TB) string {
	t.Helper()
	Require(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), names.Add(1))
	if _, err := srv.admin.ExecContext(context.Background(), "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	u, _ := url.Parse(srv.base)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// A template is a database Copy prepares once per test binary and copies
// for each caller.
type template struct {
	once sync.Once
	db   string
	err  error
}

// templates are Copy's templates by name.
var templates sync.Map

// templateName is what Copy accepts as a template's name: it becomes part
// of a database name.
var templateName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// Copy returns the URL of a new database on the shared server, a copy of
// the template database name, which prepare makes (given its URL) the first
// time a test of this binary asks for it. prepare must close every
// connection it opened: PostgreSQL copies no database that is in use.
//
// A copy (CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY) is cheaper
// than doing prepare's work again: sqlstore's migrations cost PostgreSQL
// about 38 ms of CPU a store, a copy of the migrated database about 19.
func Copy(t testing.TB, name string, prepare func(ctx context.Context, url string) error) string {
	t.Helper()
	Require(t)
	if !templateName.MatchString(name) {
		t.Fatalf("pgtest: template name %q: want lower-case letters, digits and _, starting with a letter", name)
	}
	v, _ := templates.LoadOrStore(name, &template{})
	tp := v.(*template)
	tp.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tp.db = fmt.Sprintf("tpl%d_%s", os.Getpid(), name)
		if _, err := srv.admin.ExecContext(ctx, "CREATE DATABASE "+tp.db); err != nil {
			tp.err = fmt.Errorf("create database: %w", err)
			return
		}
		tp.err = prepare(ctx, srv.databaseURL(tp.db))
	})
	if tp.err != nil {
		t.Fatalf("pgtest: template %s: %v", name, tp.err)
	}
	db := fmt.Sprintf("d%d_%d", os.Getpid(), names.Add(1))
	// prepare's connections may still be closing on the server's side
	// ("source database ... is being accessed by other users"): wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := srv.admin.ExecContext(context.Background(), "CREATE DATABASE "+db+" TEMPLATE "+tp.db+" STRATEGY FILE_COPY")
		if err == nil {
			return srv.databaseURL(db)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" /* object_in_use */ || time.Now().After(deadline) {
			t.Fatalf("pgtest: copy template %s: %v", name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// databaseURL is the URL of the database db on the server.
func (s *server) databaseURL(db string) string {
	u, _ := url.Parse(s.base)
	u.Path = "/" + db
	return u.String()
}

// InCI reports whether the CI variable is set to anything but false or 0.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// Main runs the tests and then stops the server, if one was started.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the server and removes its directory.
func Stop() {
	if srv == nil {
		return
	}
	srv.admin.Close()
	_ = srv.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-srv.done:
	case <-time.After(10 * time.Second):
		_ = srv.cmd.Process.Kill()
		<-srv.done
	}
	_ = os.RemoveAll(srv.dir)
	srv = nil
}

func binDir() (string, error) {
	if d := os.Getenv(EnvBin); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on PATH")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// runAs is who the server runs as: nil for the current user, else an
// unprivileged user (postgres, or nobody) when the tests run as root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and there is no postgres or nobody user to run PostgreSQL as")
}

func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := TempDir("consentry-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, log: filepath.Join(dir, "postgres.log")}
	fail := func(err error) (*server, error) {
		if s.done != nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(fmt.Errorf("chown the data directory: %w", err))
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v: %s", err, strings.TrimSpace(string(out))))
	}
	// freePort's port can be taken by another process before postgres
	// binds it (make test runs several test binaries at once): a server
	// that exits saying so is started again on another port.
	for try := 1; ; try++ {
		err := s.startPostgres(bin, data, cred)
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || try == 5 {
			return fail(err)
		}
	}
	return s, nil
}

// errPortTaken is startPostgres's error when the port it was given was
// taken before the server bound it.
var errPortTaken = errors.New("the port was taken before postgres bound it")

// startPostgres starts the server on a free port and waits until it
// accepts connections; it leaves s.cmd, s.done, s.base and s.admin set.
func (s *server) startPostgres(bin, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.Create(s.log)
	if err != nil {
		return err
	}
	defer logf.Close()
	// Durability settings are off: these servers hold test data only.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig: if the test binary dies, the server stops too (SIGQUIT is
	// PostgreSQL's immediate shutdown).
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	s.base = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	s.admin, err = sql.Open("pgx", s.base)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = s.admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		exited := false
		select {
		case <-s.done:
			exited = true
		case <-time.After(100 * time.Millisecond):
		}
		if exited || time.Now().After(deadline) {
			logText, _ := os.ReadFile(s.log)
			s.admin.Close()
			if exited && strings.Contains(string(logText), "already in use") {
				s.done = nil // exited: nothing for fail to kill
				return fmt.Errorf("%w (port %d): %s", errPortTaken, port, logText)
			}
			return fmt.Errorf("postgres did not accept connections (exited: %v): %v\n%s", exited, err, logText)
		}
	}
}

// Scratch is where throwaway databases go: /dev/shm (tmpfs) when it is
// there to write to, else the usual temporary directory. The server's data
// directory is there, and so are sqlstore's SQLite test databases. Every
// test's schema creates some 70 relation files; on this project's CI disk
// (ext4 mounted with discard) that cost 250 ms of the kernel's time a
// schema, against 80 ms on tmpfs, and the data is thrown away anyway.
func Scratch() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() && syscall.Access(shm, 2 /* W_OK */) == nil {
		return shm
	}
	return os.TempDir()
}

// TempDir makes a new directory under Scratch for a throwaway database,
// named prefix, "p", this process's ID and a random suffix. It first
// removes, once per prefix in a process, the directories of that prefix
// whose process is gone: a test binary killed before its cleanup ran (a CI
// timeout, go test's -timeout, a kill -9) leaves its directory behind, and
// on /dev/shm that is memory until the machine restarts. A directory whose
// process still runs, or that is not named this way, is left alone.
func TempDir(prefix string) (string, error) {
	if _, swept := sweptPrefixes.LoadOrStore(prefix, true); !swept {
		removeOrphans(Scratch(), prefix)
	}
	return os.MkdirTemp(Scratch(), fmt.Sprintf("%sp%d-", prefix, os.Getpid()))
}

var sweptPrefixes sync.Map

// removeOrphans removes the directories in dir named prefix + "p" + PID +
// "-..." whose process no longer exists.
func removeOrphans(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix+"p")
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || processExists(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// processExists reports whether a process with this ID runs (as anyone).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// freePort is a loopback port that was free a moment ago (a variable for
// the test of startPostgres's retry).
var freePort = func() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
