package runner

import "sync"

// bySuite maps godog suite names to a run's own value. godog's registry of
// formats is global, so a format registered once finds the run it writes
// for by the suite name godog hands it (the console, the cucumber buffer).
type bySuite[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// put makes v the value of suite; forget removes it after the run.
func (r *bySuite[T]) put(suite string, v T) (forget func()) {
	r.mu.Lock()
	if r.m == nil {
		r.m = map[string]T{}
	}
	r.m[suite] = v
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.m, suite)
		r.mu.Unlock()
	}
}

// get is the value of suite, if a run put one.
func (r *bySuite[T]) get(suite string) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[suite]
	return v, ok
}
