//go:build !linux

package transfer

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
