package model

// Screen is what the touchscreen shows. Every state the station can be in
// has one.
type Screen int

const (
	// ScreenNotReady: the daemon does not answer; the kiosk retries.
	ScreenNotReady Screen = iota
	// ScreenIdle: "Insert a USB drive", with the station status strip.
	ScreenIdle
	// ScreenOperator: who brings the drive, on an on-screen keypad.
	ScreenOperator
	// ScreenScanning: a session runs, from detection to publishing.
	ScreenScanning
	// ScreenResult: a session ended with a verdict on the drive's files.
	ScreenResult
	// ScreenError: a session ended without a verdict (refused, unreadable,
	// destination full, removed too early, station failure).
	ScreenError
	// ScreenUpdating: an update drive imports rule bundles, then each
	// bundle's result.
	ScreenUpdating
	// ScreenAdminLogin: PIN, then TOTP code.
	ScreenAdminLogin
	// ScreenAdmin: rules, recent sessions, station; log out.
	ScreenAdmin
)

var screenNames = [...]string{"not-ready", "idle", "operator", "scanning", "result", "error", "updating", "admin-login", "admin"}

func (s Screen) String() string {
	if int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "unknown"
}

// Tone colours an outcome or a status.
type Tone int

const (
	ToneNeutral Tone = iota
	ToneGood         // green: clean, OK
	ToneWarn         // amber: held back, stale, not ready
	ToneBad          // red: threats, refused
)

// View is everything the screen shows, in keys and data: the fyne layer
// draws it and nothing else.
type View struct {
	Screen   Screen
	Language string
	// Strip is the station status strip of the idle screens.
	Strip Strip
	// Operator is the name or badge the next session belongs to, if known.
	Operator string

	NotReady NotReadyView
	Prompt   PromptView
	Scan     ScanView
	End      EndView
	Update   UpdateView
	Login    LoginView
	Admin    AdminView
}

// Strip is the station status strip.
type Strip struct {
	Rules       Text
	RulesTone   Tone
	Destination Text
	DestTone    Tone
	Station     Text
	// Warning, when set, says on the idle screen that transfers cannot
	// happen now and what to do.
	Warning Text
}

// NotReadyView says the station service does not answer.
type NotReadyView struct {
	Title, Line Text
}

// PromptView is the operator identification keypad.
type PromptView struct {
	Letters bool // a letter keyboard (name); digits otherwise (badge)
	Title   Text
	Input   string
	Error   Text
	Sending bool
}

// ScanView is a running session.
type ScanView struct {
	Phase         Text
	Indeterminate bool
	Fraction      float64
	Files         Text
	Current       string // a shortened file name
	Clean, Held   Text
	ETA           Text
	Waiting       Text
	CanCancel     bool
	Confirm       bool // the cancel confirmation is shown
	Cancelling    bool // the cancel was sent
}

// EndView is a session's end: its outcome, what to do, and the files held
// back.
type EndView struct {
	Tone       Tone
	Title      Text
	Lines      []Text
	Advice     Text
	Files      []FileLine
	FilesMore  int  // files held back beyond those listed
	Loading    bool // the list of files is being fetched
	TransferID string
}

// FileLine is one file held back, with why in the operator's words.
type FileLine struct {
	Name string
	Why  Text
	Tone Tone
}

// UpdateView is an update drive's import.
type UpdateView struct {
	Running bool
	Title   Text
	Bundles []BundleLine
	Loading bool
	Advice  Text
}

// BundleLine is one rule bundle of an update drive and what became of it.
type BundleLine struct {
	Name   string
	Result Text
	Tone   Tone
}

// LoginView is the admin login keypad.
type LoginView struct {
	Step    Text // what to enter now
	Masked  string
	CodeNow bool // the TOTP step
	Error   Text
	Sending bool
}

// AdminTab is a section of the admin screen.
type AdminTab int

const (
	TabRules AdminTab = iota
	TabSessions
	TabStation
)

// AdminView is the admin screen.
type AdminView struct {
	Tab      AdminTab
	Loading  bool
	Error    Text
	Rules    []Line
	Sessions []SessionLine
	Station  []Line
}

// Line is a label and its value, each in words.
type Line struct {
	Label, Value Text
	Tone         Tone
}

// SessionLine is one session of the recent sessions list.
type SessionLine struct {
	Time     string
	Outcome  Text
	Tone     Tone
	Counts   Text
	Operator string
}
