// Package transfer is the signed transfer format: what the plant trusts.
//
// A transfer is the set of clean files from one drive, published whole
// under dest/<transfer-id> together with .sluice/manifest.json and its
// minisign signature .sluice/manifest.json.minisig. The station builds it
// in a staging directory inside the destination (Begin, Add), then signs
// and publishes it with one rename (Publish), so that a crash leaves
// nothing at a final name. Anyone holding the station's public key can
// check a transfer offline (Verify), with this package or with the stock
// minisign tool for the signature part.
//
// Names from the drive are untrusted. Add maps every path component to a
// name that Windows and Samba clients handle safely (SafeName), and
// Publish resolves the collisions that mapping and case-insensitive or
// Unicode-equivalent names create, independently of the order of Adds.
// docs/TRANSFER-FORMAT.md specifies the manifest and every naming rule.
//
// The package is pure Go and imports no other sluice package, so that the
// kiosk, the endpoint guard and the CLI can all share it.
package transfer
