package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeRow is one line of the README's configuration table.
type readmeRow struct{ flag, env, def string }

// readmeTable parses the table under "## Configuration" in the README:
// | `-flag` | `ENV` | default | meaning |.
func readmeTable(t *testing.T) []readmeRow {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("^`([^`]*)`$")
	var rows []readmeRow
	for line := range strings.SplitSeq(section, "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 {
			t.Fatalf("README configuration row with %d cells, want 4: %s", len(cells), line)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		flag, env := code.FindStringSubmatch(cells[0]), code.FindStringSubmatch(cells[1])
		if flag == nil || env == nil {
			t.Fatalf("README configuration row: flag and environment must be `code`: %s", line)
		}
		rows = append(rows, readmeRow{flag: strings.TrimPrefix(flag[1], "-"), env: env[1], def: cells[2]})
	}
	if len(rows) == 0 {
		t.Fatal("README.md's configuration table has no rows")
	}
	return rows
}

// The README's configuration table names every setting, with its
// environment variable and default, and nothing else. A literal default
// (`in code`) is the flag's default exactly; a default that is described
// in words, or left empty, is one the code computes (empty or "embedded
// only" in Vars).
func TestTheREADMEConfigurationTableMatchesTheFlags(t *testing.T) {
	rows := readmeTable(t)
	vars := map[string]Var{}
	for _, v := range Vars {
		vars[v.Flag] = v
	}
	literal := regexp.MustCompile("^`([^`]*)`$")
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.flag] {
			t.Errorf("README lists -%s twice", r.flag)
		}
		seen[r.flag] = true
		v, ok := vars[r.flag]
		if !ok {
			t.Errorf("README lists -%s, which is not a flag", r.flag)
			continue
		}
		if r.env != v.Env {
			t.Errorf("-%s: README says $%s, the flag reads $%s", r.flag, r.env, v.Env)
		}
		if m := literal.FindStringSubmatch(r.def); m != nil {
			if m[1] != v.Default {
				t.Errorf("-%s: README's default is %q, the flag's %q", r.flag, m[1], v.Default)
			}
		} else if v.Default != "" && v.Default != "embedded only" {
			t.Errorf("-%s: README describes the default as %q; the flag's is the literal %q: write it as `%s`", r.flag, r.def, v.Default, v.Default)
		}
	}
	for _, v := range Vars {
		if !seen[v.Flag] {
			t.Errorf("-%s ($%s, default %q) is missing from README's configuration table", v.Flag, v.Env, v.Default)
		}
	}
}
