// Package admin authenticates the station's admins: a PIN and a TOTP code
// (RFC 6238) exchanged for a short-lived bearer token, and the socket peer
// credentials that make root on the station's shell an admin.
//
// # Threat model, in brief
//
// Admin functions (rule import and rollback, update drives) must stay out
// of reach of whoever stands at the touchscreen, and of the kiosk UI
// process should it be compromised: both can send any request to the API
// socket, as the unprivileged kiosk user. Root on the station is out of
// scope: it owns the daemon, the state directory and this file anyway, so
// a socket peer with uid 0 (SO_PEERCRED) counts as admin. That uid check is
// the whole rule; membership of the socket's group only opens the
// operator API, and the kiosk user is never uid 0.
//
// What holds against the touchscreen:
//   - Two factors: a PIN (6 digits or more, trivial ones refused) and a
//     code from the admin's authenticator app. A failed login never says
//     which factor was wrong.
//   - Online guessing is slowed by a lockout: after 3 failures in a row,
//     30 s, doubling with each further failure, capped at 15 min, reset by
//     a success. While locked, a login is refused at once, before the PIN
//     or the code is looked at, so the lockout is no oracle.
//   - A code is accepted once: after a login, no code of that time step or
//     an earlier one is accepted (RFC 6238 §5.2), so a code seen over a
//     shoulder is useless.
//   - Tokens are 256 random bits, kept only as SHA-256 hashes in memory,
//     with an idle expiry (5 min by default, refreshed on use) and a
//     maximum lifetime (1 h). A daemon restart ends every session.
//   - Every attempt, success, lockout and end of session is audited with
//     the peer's uid and pid, never a secret: no PIN, no code, no token
//     (a token is named by the first 8 hex digits of its SHA-256).
//
// What it does not do:
//   - The credentials file (mode 0600, in the root-only state directory)
//     holds the TOTP secret in clear, as verification requires. The PIN is
//     an argon2id hash, but a 6-digit PIN cannot resist an offline search
//     by whoever reads the file; reading it already takes root.
//   - The lockout, the last accepted time step and the sessions live in
//     memory: a restart resets them, which takes root.
//   - Anyone who can reach the socket can keep admin login locked out.
//     Root's CLI is not affected, since it needs no login.
package admin
