// Package store is the station's rule store: the verified rule bundles it
// has imported, which one is active, and the history an admin may roll
// back to. Import checks a bundle completely (signature by a trusted key,
// version, expiry, rules that compile on this station, hash lists that
// convert) before anything changes, and audits every outcome.
//
// # Layout
//
// A store is one directory, normally <state>/rules:
//
//	v0000042/             one installed bundle, named by its version
//	    bundle.tar        the signed tar, the exact bytes verified
//	    bundle.tar.minisig
//	    block-NAME.table  hash tables compiled on this station from
//	    allow-NAME.table  hashes/block/NAME and hashes/allow/NAME
//	    installed.json    what the station found on import, written last
//	active -> v0000042    a symbolic link naming the active bundle's folder
//	.staging-*            an import in progress
//	.trash-*              a pruned bundle being deleted
//	.tmp/                 private copies of bundles while they are read
//
// # Crash safety
//
// An import builds the new folder under a .staging- name, fsyncs every
// file and the folder, renames it to its version name and fsyncs the
// store; only then does it switch active, by making a new symbolic link
// and renaming it over active (rename(2) is atomic), and fsyncs the store
// again. A crash leaves active naming either the old folder or the new
// one, both complete. Pruning renames a folder to .trash- before deleting
// it, so a folder under a version name is never half deleted, and the
// active one is never pruned. Open deletes .staging-, .trash- and .tmp
// leftovers, and refuses a store whose active link names no valid
// bundle: the station must not silently run other rules than the ones an
// admin activated.
//
// A symbolic link was chosen over a small JSON file because replacing it
// is one rename with no content that could be torn, and `ls -l` shows the
// state to an admin at the shell.
//
// A folder that was renamed into place but not yet activated when the
// station crashed stays as a kept bundle: it is complete and verified,
// and an admin can import it again or roll forward to it.
package store
