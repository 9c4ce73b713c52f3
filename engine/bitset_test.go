package engine

import (
	"math/rand"
	"testing"
)

func TestBitsetAgainstBoolSlice(t *testing.T) {
	for _, n := range []int{1, 63, 64, 65, 4095, 4096, 4097, 300000} {
		seed := int64(n)
		r := rand.New(rand.NewSource(seed))
		b := newBitset(n)
		ref := make([]bool, n)
		refNext := func(i int64) int64 {
			for j := max(i, 0); j < int64(n); j++ {
				if ref[j] {
					return j
				}
			}
			return -1
		}
		refPrev := func(i int64) int64 {
			for j := min(i, int64(n)-1); j >= 0; j-- {
				if ref[j] {
					return j
				}
			}
			return -1
		}
		for step := 0; step < 3000; step++ {
			i := r.Int63n(int64(n))
			if r.Intn(3) == 0 {
				// Cluster operations so sparse and dense words both occur.
				i = r.Int63n(int64(min(n, 200)))
			}
			if ref[i] {
				b.clear(i)
				ref[i] = false
			} else {
				b.set(i)
				ref[i] = true
			}
			q := r.Int63n(int64(n)+2) - 1
			if got, want := b.next(q), refNext(q); got != want {
				t.Fatalf("n=%d seed=%d step %d: next(%d)=%d want %d", n, seed, step, q, got, want)
			}
			if got, want := b.prev(q), refPrev(q); got != want {
				t.Fatalf("n=%d seed=%d step %d: prev(%d)=%d want %d", n, seed, step, q, got, want)
			}
			if b.has(i) != ref[i] {
				t.Fatalf("n=%d: has(%d) wrong", n, i)
			}
		}
	}
}
