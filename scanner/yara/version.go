package yara

// #cgo pkg-config: yara
// #include <yara.h>
import "C"

import "fmt"

// LibraryVersion is the version of libyara this binary was built against,
// for manifests and reports: compiled rules and scan behaviour depend on it.
func LibraryVersion() string {
	return fmt.Sprintf("%d.%d.%d", C.YR_MAJOR_VERSION, C.YR_MINOR_VERSION, C.YR_MICRO_VERSION)
}
