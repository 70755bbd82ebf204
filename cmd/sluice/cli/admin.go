package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"
	"rsc.io/qr"

	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
)

const adminUsage = `usage: sluice admin init [--config FILE] [--state DIR] [--station NAME] [--force]
       sluice admin whoami [--socket PATH]

init sets the admin PIN and creates the station's TOTP secret; run it as
root on the station. The PIN (6 digits or more, not a sequence or a
repetition) is asked twice without echo on a terminal, or read from the
first line of standard input otherwise. The credentials go to
STATE/admin.json (mode 0600), where the daemon reads them at each login;
existing ones are replaced only with --force. Scan the printed code with
an authenticator app, or type the secret.

whoami says whether you count as admin to the station daemon: root on the
station does; other users log in with the PIN and a code.

flags:
`

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return ExitFailed, userErr("admin needs a subcommand", "run 'sluice admin init' or 'sluice admin whoami'")
	}
	switch args[0] {
	case "init":
		return adminInit(args[1:], os.Stdin, stdout, stderr)
	case "whoami":
		return adminWhoami(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, adminUsage)
		return ExitOK, errHelp
	}
	return ExitFailed, userErr(fmt.Sprintf("unknown admin subcommand %q", args[0]), "run 'sluice admin --help'")
}

func adminInit(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("admin init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, adminUsage); fs.PrintDefaults() }
	configPath := fs.String("config", config.DefaultPath, "the daemon's config `file`, for state_dir and station_id")
	state := fs.String("state", "", "the station's state `dir`ectory (default: the config's state_dir)")
	station := fs.String("station", "", "the station `name` shown in the authenticator app (default: the config's station_id)")
	force := fs.Bool("force", false, "replace existing admin credentials: the old PIN and app entry stop working")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 {
		return ExitFailed, userErr("admin init takes no arguments", "run 'sluice admin --help'")
	}
	if *state == "" || *station == "" {
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
		cfg, err := stationConfig(*configPath, explicit)
		if err != nil {
			return ExitFailed, wrapUserErr(err, "fix the config, or give --state and --station")
		}
		if *state == "" {
			*state = cfg.StateDir
		}
		if *station == "" {
			*station = cfg.StationID
		}
	}
	path := filepath.Join(*state, admin.DefaultFile)
	if !*force {
		// Say so before asking for a PIN that would be thrown away.
		if _, err := os.Lstat(path); err == nil {
			return ExitFailed, userErr("admin credentials "+path+" exist", "run with --force to replace them; the current PIN and app entry stop working")
		}
	}
	pin, err := readPIN(stdin, stderr)
	if err != nil {
		return ExitFailed, err
	}
	secret, uri, err := admin.Init(path, pin, admin.InitOptions{Station: *station, Force: *force, Rand: rand.Reader, Now: time.Now})
	switch {
	case errors.Is(err, admin.ErrWeakPIN):
		return ExitFailed, wrapUserErr(err, "choose 6 digits or more that are not a sequence or a repetition")
	case errors.Is(err, os.ErrExist):
		return ExitFailed, wrapUserErr(err, "run with --force to replace them; the current PIN and app entry stop working")
	case err != nil:
		return ExitFailed, wrapUserErr(err, "run as root on the station, or check --state")
	}
	fmt.Fprintf(stdout, "wrote the admin credentials to %s\n", path)
	fmt.Fprintln(stdout, "add the station to an authenticator app: scan this code, or type the secret (TOTP, SHA1, 6 digits, 30 s)")
	fmt.Fprintln(stdout)
	if err := renderQR(stdout, uri, isTerminal(stdout)); err != nil {
		fmt.Fprintf(stderr, "sluice: cannot draw the QR code (%v); type the secret instead\n", err)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "secret  %s\n", groupBy4(secret))
	fmt.Fprintf(stdout, "uri     %s\n", uri)
	fmt.Fprintln(stdout, "the secret is not shown again; clear this screen once the app shows codes")
	return ExitOK, nil
}

// stationConfig reads the daemon's config for its state_dir and
// station_id. A missing default config means a station set up with the
// defaults; a missing config named with --config is an error.
func stationConfig(path string, explicit bool) (config.Config, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !explicit {
		cfg := config.Defaults()
		h, err := os.Hostname()
		if err != nil {
			return cfg, fmt.Errorf("station name: %w", err)
		}
		cfg.StationID = h
		return cfg, nil
	}
	return config.Load(path)
}

// readPIN asks for the PIN twice without echo on a terminal; otherwise it
// reads the first line of stdin, for scripts.
func readPIN(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(p string) (string, error) {
			fmt.Fprint(prompt, p)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			return string(b), err
		}
		pin, err := ask("new admin PIN (6 digits or more): ")
		if err != nil {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		if err := admin.CheckPIN(pin); err != nil {
			return "", wrapUserErr(err, "choose 6 digits or more that are not a sequence or a repetition")
		}
		again, err := ask("the same PIN again: ")
		if err != nil {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		if again != pin {
			return "", userErr("the two PINs differ", "run 'sluice admin init' again")
		}
		return pin, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	pin := strings.TrimRight(line, "\r\n")
	if pin == "" {
		return "", userErr("no PIN on standard input", "run on a terminal, or pipe the PIN as the first line")
	}
	return pin, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func groupBy4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// qrQuiet is the light margin around a QR code, in modules, as the
// standard asks.
const qrQuiet = 4

// renderQR draws text as a QR code with Unicode half blocks, two modules
// per character cell, so that a code for a long URI still fits in 80
// columns. Light modules are the drawn ones, as on a console's light-on-
// dark text; with colors, the code is forced to white on black so that a
// light terminal theme does not invert it.
func renderQR(w io.Writer, text string, colors bool) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return err
	}
	n := code.Size + 2*qrQuiet
	light := func(x, y int) bool {
		x, y = x-qrQuiet, y-qrQuiet
		return x < 0 || y < 0 || x >= code.Size || y >= code.Size || !code.Black(x, y)
	}
	for y := 0; y < n; y += 2 {
		var b strings.Builder
		if colors {
			b.WriteString("\x1b[97;40m")
		}
		for x := range n {
			top, bottom := light(x, y), y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		if colors {
			b.WriteString("\x1b[0m")
		}
		if _, err := fmt.Fprintln(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func adminWhoami(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	c, rest, err := clientFlags("admin whoami", adminUsage, args, stderr, nil)
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 {
		return ExitFailed, userErr("admin whoami takes no arguments", "run 'sluice admin --help'")
	}
	id, err := c.AdminWhoami(ctx, "")
	if errors.Is(err, api.ErrAdminRequired) {
		return ExitFailed, wrapUserErr(errors.New("not an admin to the station"), "run as root on the station")
	}
	if err != nil {
		return ExitFailed, clientErr(err)
	}
	fmt.Fprintf(stdout, "admin (%s)\n", id.Via)
	return ExitOK, nil
}
