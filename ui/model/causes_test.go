package model

import "testing"

func TestCauseWords(t *testing.T) {
	tests := []struct{ cause, want string }{
		{"blocked:archive/encrypted", "cause.password"},
		{"blocked:type/disguised-executable", "cause.hidden_program"},
		{"blocked:policy/disguised-executable", "cause.hidden_program"},
		{"blocked:type/executable-in-document", "cause.hidden_program"},
		{"blocked:type/type-not-allowed", "cause.type_not_allowed"},
		{"blocked:type/denied-extension", "cause.program_file"},
		{"blocked:walk/symlink", "cause.link"},
		{"blocked:archive/link-or-special-member", "cause.link"},
		{"blocked:archive/ratio-limit", "cause.archive_limit"},
		{"blocked:yara/Sluice_Office_VBA_OLE", "cause.macro"},
		{"blocked:yara/Sluice_ODF_Macro", "cause.macro"},
		{"blocked:yara/Sluice_Script_WSH", "cause.hidden_script"},
		{"blocked:yara/Sluice_PDF_Launch", "cause.starts_program"},
		{"blocked:yara/Some_Site_Rule", "cause.security_rule"},
		{"blocked:yara/incomplete", "cause.incomplete"},
		{"blocked:clamav/incomplete", "cause.incomplete"},
		{"infected:yara/Sluice_EICAR_Test_File", "cause.test_virus"},
		{"infected:yara/APT_Something", "cause.threat"},
		{"infected:hashdb/malwarebazaar.csv", "cause.known_malware"},
		{"infected:clamav/Win.Trojan.Agent", "cause.threat"},
		{"error:read/unreadable", "cause.unreadable"},
		{"error", "cause.unreadable"},
		{"blocked", "cause.not_allowed"},
		{"blocked:newengine/newrule", "cause.not_allowed"},
		{"infected", "cause.threat"},
		{"", "cause.held_back"},
		{"gibberish", "cause.held_back"},
	}
	for _, tt := range tests {
		if got := CauseWords(tt.cause).Key; got != tt.want {
			t.Errorf("CauseWords(%q) = %s, want %s", tt.cause, got, tt.want)
		}
	}
}

func FuzzCauseWords(f *testing.F) {
	f.Add("blocked:archive/encrypted")
	f.Add("infected:yara/x/y")
	f.Fuzz(func(t *testing.T, cause string) {
		if CauseWords(cause).Key == "" {
			t.Errorf("CauseWords(%q) has no words", cause)
		}
	})
}
