//go:build !linux

package admin

import (
	"errors"
	"net"
	"runtime"
)

// PeerOf is not supported on this GOOS: nobody counts as root.
func PeerOf(net.Conn) (Peer, error) {
	return Peer{}, errors.New("peer credentials: not supported on " + runtime.GOOS)
}
