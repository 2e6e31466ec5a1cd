package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// signingKey returns the configured JWT key or, without one, a key generated
// once and kept in dataDir, so tokens survive a restart of the embedded
// default. A file written by another process first wins.
func signingKey(configured, dataDir string) ([]byte, bool, error) {
	if configured != "" {
		return []byte(configured), false, nil
	}
	path := filepath.Join(dataDir, "jwt.key")
	if b, err := os.ReadFile(path); err == nil {
		return []byte(strings.TrimSpace(string(b))), true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, err
	}
	// Write aside, then link into place: a concurrent reader never sees a
	// half-written key, and of two writers the first link wins.
	tmp, err := os.CreateTemp(dataDir, "jwt.key.*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, false, err
	}
	return signingKey("", dataDir)
}
