//go:build race

package main

// raceEnabled says the tests run with -race; the daemon is then built
// with it too, and timeouts are longer.
const raceEnabled = true
