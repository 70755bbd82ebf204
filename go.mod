module github.com/sluice-ot/sluice

go 1.26.8

require (
	aead.dev/minisign v0.3.0
	github.com/gabriel-vasile/mimetype v1.4.16
	github.com/google/go-cmp v0.7.0
	github.com/hillu/go-yara/v4 v4.2.4
	github.com/rogpeppe/go-internal v1.14.1
	github.com/ulikunitz/xz v0.5.17
	golang.org/x/sys v0.38.0
	golang.org/x/term v0.37.0
	golang.org/x/text v0.31.0
)

require (
	golang.org/x/crypto v0.13.0 // indirect
	golang.org/x/tools v0.38.0 // indirect
)
