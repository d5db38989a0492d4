package pgtest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TempDir removes what a killed run left behind (a directory of its prefix
// named for a process that is gone) and nothing else: not a running
// process's, not one named otherwise, not another prefix's.
func TestTempDirRemovesOnlyTheDirectoriesOfGoneProcesses(t *testing.T) {
	// A process that has exited: its ID names the orphan.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := gone.ProcessState.Pid()
	if processExists(deadPID) {
		t.Skipf("process %d exists again (its ID was reused)", deadPID)
	}
	prefix := "consentry-pgtest-sweep-" + strconv.Itoa(os.Getpid()) + "-"
	mk := func(name string) string {
		p := filepath.Join(Scratch(), name)
		if err := os.MkdirAll(filepath.Join(p, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "data", "f"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(p) })
		return p
	}
	orphan := mk(prefix + "p" + strconv.Itoa(deadPID) + "-123")
	live := mk(prefix + "p" + strconv.Itoa(os.Getpid()) + "-456")
	unnamed := mk(prefix + "789")
	other := mk("consentry-other-p" + strconv.Itoa(deadPID) + "-1")

	dir, err := TempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if base := filepath.Base(dir); filepath.Dir(dir) != Scratch() || !strings.HasPrefix(base, prefix+"p"+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("TempDir made %s, want %s/%sp%d-...", dir, Scratch(), prefix, os.Getpid())
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("the directory of the gone process %d is still there (%v)", deadPID, err)
	}
	for _, keep := range []string{live, unnamed, other, dir} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed: %v", keep, err)
		}
	}
}

// A server whose port another process took before it bound it is started
// again on another port: here the first port is one the test holds.
func TestServerStartsAgainWhenItsPortWasTaken(t *testing.T) {
	if _, err := binDir(); err != nil {
		if InCI() {
			t.Fatalf("CI=true and no PostgreSQL: %v", err)
		}
		t.Skipf("no PostgreSQL: %v", err)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	taken := held.Addr().(*net.TCPAddr).Port
	real := freePort
	var given []int
	freePort = func() (int, error) {
		p, err := real()
		if len(given) == 0 {
			p = taken
		}
		given = append(given, p)
		return p, err
	}
	defer func() { freePort = real }()

	s, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		prev := srv // Stop stops the package's server: this one, for now
		srv = s
		Stop() // SIGINT, as for the shared one: a killed postgres leaves its shared memory in /dev/shm
		srv = prev
	})
	if len(given) != 2 || given[0] != taken || strings.Contains(s.base, ":"+strconv.Itoa(taken)+"/") {
		t.Fatalf("ports tried %v (the taken one %d), server at %s: want a second start on another port", given, taken, s.base)
	}
	if err := s.admin.Ping(); err != nil {
		t.Fatalf("the restarted server does not answer: %v", err)
	}
}
