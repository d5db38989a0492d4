package pkg

import (
	"sync"
	"testing"
)

func TestConcurrentWritesAllLand(t *testing.T) {
	var wg sync.WaitGroup
	wg.Go(func() {})
	wg.Wait()
}

func TestHelperStartsThem(t *testing.T) { hammer(t) }

func TestGoStatement(t *testing.T) {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}

func TestPlain(t *testing.T) { _ = t.Name() }

func hammer(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {})
	}
	wg.Wait()
}
