package uevent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// kernelGroup is the netlink multicast group the kernel sends uevents to
// (udevd rebroadcasts its own, processed events on group 2).
const kernelGroup = 1

// recvBuffer is the socket receive buffer asked for: a hub full of
// devices plugged at once sends hundreds of events in a burst.
const recvBuffer = 8 << 20

// Conn is a socket subscribed to kernel uevents. Open it before reading
// the state the events update (sysfs), so nothing falls in between.
type Conn struct {
	f *os.File
}

// Open subscribes to kernel uevents.
func Open() (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("open uevent socket: %w", err)
	}
	// SO_RCVBUFFORCE passes the rmem_max limit but needs CAP_NET_ADMIN.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, recvBuffer) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, recvBuffer)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: kernelGroup}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind uevent socket: %w", err)
	}
	// A nonblocking descriptor joins the runtime's poller, so a read
	// deadline can interrupt Run.
	return &Conn{f: os.NewFile(uintptr(fd), "uevent")}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.f.Close() }

// Run reads events until ctx is done, calling handle for each kernel
// uevent in order and lost (if not nil) after the receive buffer
// overflowed: events were dropped, and the caller should rescan. Messages
// that are not from the kernel, or do not parse, are skipped. Run returns
// ctx's error when cancelled, or the socket error that stopped it.
func (c *Conn) Run(ctx context.Context, handle func(Event), lost func()) error {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	c.f.SetReadDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { c.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, MaxSize+1)
	for {
		var (
			n     int
			flags int
			from  unix.Sockaddr
			rerr  error
		)
		err := rc.Read(func(fd uintptr) bool {
			n, _, flags, from, rerr = unix.Recvmsg(int(fd), buf, nil, unix.MSG_TRUNC)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("read uevent socket: %w", err)
		}
		switch {
		case errors.Is(rerr, unix.ENOBUFS):
			if lost != nil {
				lost()
			}
			continue
		case rerr != nil:
			return fmt.Errorf("read uevent socket: %w", rerr)
		case flags&unix.MSG_TRUNC != 0 || n > MaxSize:
			continue // larger than any kernel uevent: not the kernel's
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // sent by a process, not the kernel
		}
		ev, perr := Parse(buf[:n])
		if perr != nil {
			continue
		}
		handle(ev)
	}
}
