package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/transfer"
)

// An update drive on a real loop device. Without an admin logged in it is
// an operator's drive: scanned, nothing imported. With an admin logged in
// (PIN and TOTP over the API), its bundle is imported and becomes the
// station's rules.
func TestUpdateDrive(t *testing.T) {
	s := newStation(t)
	adminKey := filepath.Join(s.dir, "admin")
	if err := transfer.GenerateKeyFiles(adminKey); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("accept_loop_devices"), []byte("trusted_rule_keys = [\""+adminKey+".pub\"]\naccept_loop_devices"), 1)
	if err := os.WriteFile(s.config, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	const pin = "739184"
	if err := os.MkdirAll(s.state, 0o700); err != nil {
		t.Fatal(err)
	}
	secret, _, err := admin.Init(filepath.Join(s.state, admin.DefaultFile), pin, admin.InitOptions{Station: "e2e-station"})
	if err != nil {
		t.Fatal(err)
	}

	// The admin's bundle, built and signed offline.
	rule := filepath.Join(s.dir, "plant.yar")
	if err := os.WriteFile(rule, []byte("rule Plant_Update_Marker { strings: $a = \"plant-update-7\" condition: $a }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(s.dir, "plant-rules.tar")
	if _, err := bundle.Build(bundle.BuildOptions{Name: "plant-rules", Version: 5, YARA: []string{rule}}, tarPath); err != nil {
		t.Fatal(err)
	}
	key, err := transfer.LoadPrivateKey(adminKey + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if err := bundle.Sign(tarPath, key); err != nil {
		t.Fatal(err)
	}
	tarData, _ := os.ReadFile(tarPath)
	sig, _ := os.ReadFile(tarPath + bundle.SignatureExt)
	img := s.newImage("update", true, volume{fs: "vfat", label: "UPDATE", mib: 40, files: []corpus.File{
		{Path: "sluice-update/plant-rules.tar", Data: tarData},
		{Path: "sluice-update/plant-rules.tar.minisig", Data: sig},
	}})
	s.start()
	ctx := context.Background()

	d, sess := s.runSession(img)
	if sess.Reason == api.ReasonUpdate || sess.State != api.Done {
		t.Errorf("without an admin: session = %+v, want an ordinary scan", sess)
	}
	if list, err := s.client.RulesList(ctx); err != nil || list.Active != nil {
		t.Errorf("without an admin: rules = %+v, %v; want none imported", list, err)
	}
	d.detach(t)
	d.awaitGone(t)

	key2, err := admin.DecodeSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.client.AdminLogin(ctx, pin, admin.TOTP(key2, time.Now(), 6)); err != nil {
		t.Fatalf("admin login: %v", err)
	}
	d, sess = s.runSession(img)
	if sess.Reason != api.ReasonUpdate || !strings.Contains(sess.Detail, "installed plant-rules version 5") || sess.TransferPath != "" {
		t.Errorf("with an admin: session = %+v, want the bundle installed and nothing transferred", sess)
	}
	st, err := s.client.Status(ctx)
	if err != nil || st.Rules.Name != "plant-rules" || st.Rules.Version != "5" {
		t.Errorf("status rules = %+v, %v; want plant-rules version 5 active", st.Rules, err)
	}
	d.detach(t)
}
