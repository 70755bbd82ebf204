package admin

import (
	"fmt"
)

// Peer is the process at the other end of a unix socket, as the kernel
// saw it when that process connected (SO_PEERCRED).
type Peer struct {
	UID, GID, PID int
}

func (p Peer) String() string { return fmt.Sprintf("uid=%d gid=%d pid=%d", p.UID, p.GID, p.PID) }

// IsRoot reports whether the peer is root, which counts as admin. That is
// the whole rule: the kiosk UI runs as an unprivileged user, never uid 0.
func (p Peer) IsRoot() bool { return p.UID == 0 }
