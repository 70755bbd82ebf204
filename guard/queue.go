package guard

import (
	"sync"

	"github.com/sluice-ot/sluice/guard/uevent"
)

// maxQueued bounds the events held while the loop is busy (the initial
// scan, a slow sysfs). Past it they are dropped and the loop rescans, as
// after a socket overflow.
const maxQueued = 1 << 16

// queue holds events between the reader and the loop, so that events that
// arrive during the initial scan are kept, in order, and never block the
// reader (a blocked reader would overflow the kernel socket).
type queue struct {
	mu     sync.Mutex
	events []uevent.Event
	lost   bool
	notify chan struct{}
}

func newQueue() *queue { return &queue{notify: make(chan struct{}, 1)} }

func (q *queue) push(ev uevent.Event) {
	q.mu.Lock()
	if len(q.events) >= maxQueued {
		q.events, q.lost = nil, true
	} else {
		q.events = append(q.events, ev)
	}
	q.mu.Unlock()
	q.wake()
}

// markLost records that events were lost before the ones queued next.
func (q *queue) markLost() {
	q.mu.Lock()
	q.events, q.lost = nil, true
	q.mu.Unlock()
	q.wake()
}

func (q *queue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// take returns what is queued and whether events were lost before it.
func (q *queue) take() ([]uevent.Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs, lost := q.events, q.lost
	q.events, q.lost = nil, false
	return evs, lost
}
