package filetype

import (
	"slices"
	"strings"
)

// Ext returns the lower-case extension of name's base name, without the
// dot, as Windows sees it: trailing dots and spaces are dropped first, so
// "evil.exe." and "evil.exe " are both "exe". Both / and \ separate
// directories, since archive members may use either. A name that is only
// an extension (".bat") has that extension, as the Windows shell decides.
func Ext(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimRight(name, ". ")
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// The extensions Windows, Linux or macOS would run, install, mount or hand
// to an interpreter when a user opens the file. Each group is a reason to
// refuse the name whatever the content; DefaultPolicy denies them all.
var (
	// Portable executables and the images Windows loads as code: screen
	// savers, control-panel items, drivers, codecs, and the Office add-ins
	// that are DLLs (xll, wll). .pif runs a PE inside it; .com runs as DOS
	// or PE.
	extWindowsBinary = []string{"exe", "dll", "com", "scr", "pif", "cpl", "ocx", "sys", "drv",
		"efi", "ax", "acm", "tsp", "mui", "xll", "wll", "pyd"}
	// Installers and packages: Windows Installer, MSIX/APPX, ClickOnce,
	// VSTO, update and troubleshooting packs, gadgets, MMC consoles.
	extWindowsInstall = []string{"msi", "msp", "mst", "msm", "msu", "msix", "msixbundle", "appx",
		"appxbundle", "appinstaller", "application", "appref-ms", "xbap", "vsto", "vsix",
		"gadget", "diagcab", "msc"}
	// Languages the Windows Script Host, PowerShell, cmd and mshta run on a
	// double-click, scriptlets, and the Monad precursors of PowerShell.
	extWindowsScript = []string{"bat", "cmd", "ps1", "psm1", "psd1", "ps1xml", "ps2", "ps2xml",
		"psc1", "psc2", "pssc", "cdxml", "vb", "vbs", "vbe", "js", "jse", "ws", "wsf", "wsh", "wsc",
		"sct", "hta", "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml"}
	// Shortcuts and shell objects that point at, or make Explorer fetch or
	// run, something else: .lnk, Internet shortcuts, Explorer command
	// files, shell scraps, search and library descriptions, settings
	// shortcuts, themes (which load remote resources) and RDP connection
	// files (which map local drives to a remote host).
	extShortcut = []string{"lnk", "url", "website", "scf", "shb", "shs", "library-ms",
		"searchconnector-ms", "settingcontent-ms", "search-ms", "theme", "themepack",
		"deskthemepack", "rdp"}
	// System configuration the shell applies on open: registry imports,
	// setup information (right-click Install runs its commands), WMI
	// classes, old IE settings files, scheduled jobs.
	extSystemConfig = []string{"reg", "inf", "mof", "ins", "isp", "job"}
	// Help formats that run script: compiled HTML help and WinHelp macros.
	extHelp = []string{"chm", "hlp"}
	// Disk images Windows mounts on a double-click, dropping the files'
	// mark of the web; macOS does the same with .dmg.
	extDiskImage = []string{"iso", "img", "vhd", "vhdx", "dmg"}
	// Office files whose only purpose is to load code or fetch data on
	// open: macro add-ins, web queries, SYLK (DDE).
	extOfficeActive = []string{"xla", "xlam", "ppa", "ppam", "iqy", "slk"}
	// Access project and compiled database formats (VBA that runs on open).
	extAccess = []string{"ade", "adp", "mde", "accde"}
	// Java: archives run with javaw on a double-click, Web Start
	// descriptors, classes.
	extJava = []string{"jar", "jnlp", "class"}
	// Linux and Unix: ELF and shared objects, kernel modules, self-running
	// installers and bundles, desktop launchers, packages, and shells.
	extUnix = []string{"elf", "so", "ko", "out", "run", "appimage", "deb", "rpm", "snap",
		"flatpak", "flatpakref", "desktop", "sh", "bash", "zsh", "ksh", "csh", "tcsh", "dash",
		"fish"}
	// Interpreted languages a desktop associates with their runtime, and
	// server pages a web server (an HMI's, say) would execute.
	extInterpreted = []string{"py", "pyw", "pyc", "pyo", "pyz", "pyzw", "pl", "pm", "rb",
		"php", "phtml", "phar", "lua", "tcl", "cgi", "asp", "aspx", "ashx", "asmx", "jsp",
		"jspx"}
	// macOS: bundles, packages, AppleScript and Automator, dynamic
	// libraries, Terminal-run .command and .tool files, and web locations.
	extMac = []string{"app", "pkg", "mpkg", "dylib", "bundle", "command", "tool", "scpt",
		"scptd", "applescript", "workflow", "action", "osax", "kext", "webloc", "inetloc"}
	// Mobile packages and byte code, browser extensions, WebAssembly,
	// Flash.
	extOther = []string{"apk", "xapk", "aab", "dex", "odex", "ipa", "crx", "xpi", "wasm", "swf"}
)

// Inert extensions name documents, images, media, plain text and archives:
// opening them hands the bytes to a viewer, not to a loader or an
// interpreter. Macro-enabled Office files, HTML and SVG are neither inert
// nor executable and are listed in neither table.
var extInert = []string{
	"pdf", "rtf", "doc", "docx", "dot", "dotx", "xls", "xlsx", "xlt", "xltx", "ppt",
	"pptx", "pps", "ppsx", "pot", "potx", "vsd", "vsdx", "odt", "ods", "odp", "odg", "ott",
	"ots", "otp", "epub", "msg", "pub",
	"txt", "text", "log", "csv", "tsv", "md", "json", "xml", "yaml", "yml", "ini", "cfg",
	"conf", "toml",
	"png", "jpg", "jpeg", "jpe", "gif", "bmp", "dib", "tif", "tiff", "webp", "ico", "heic",
	"heif", "avif", "jxl", "jp2", "psd", "dwg", "dxf",
	"mp3", "wav", "flac", "ogg", "oga", "opus", "m4a", "aac", "wma", "mp4", "m4v", "mkv",
	"webm", "avi", "mov", "wmv", "mpg", "mpeg",
	"zip", "tar", "gz", "tgz", "bz2", "tbz2", "xz", "txz", "7z", "rar", "cab", "zst",
}

// extExecutable is every group above, sorted for binary search.
var extExecutable = sortedUnion(extWindowsBinary, extWindowsInstall, extWindowsScript,
	extShortcut, extSystemConfig, extHelp, extDiskImage, extOfficeActive, extAccess,
	extJava, extUnix, extInterpreted, extMac, extOther)

var extInertSorted = sortedUnion(extInert)

// ExecutableExts returns the extensions Windows, Linux or macOS would run,
// install, mount or interpret (see the groups in ext.go), sorted.
func ExecutableExts() []string { return slices.Clone(extExecutable) }

// IsExecutableExt reports whether opening a file with extension ext (lower
// case, no dot) would run, install, mount or interpret it. An extension
// that is a CLSID ("{3050f4d8-...}") counts: Explorer dispatches on it and
// hides it.
func IsExecutableExt(ext string) bool {
	if isCLSIDExt(ext) {
		return true
	}
	_, ok := slices.BinarySearch(extExecutable, ext)
	return ok
}

// IsInertExt reports whether ext names a document, image, media, text or
// archive type that is only ever viewed.
func IsInertExt(ext string) bool {
	_, ok := slices.BinarySearch(extInertSorted, ext)
	return ok
}

func isCLSIDExt(ext string) bool {
	return len(ext) > 2 && ext[0] == '{' && ext[len(ext)-1] == '}'
}

func sortedUnion(groups ...[]string) []string {
	var all []string
	for _, g := range groups {
		all = append(all, g...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}
