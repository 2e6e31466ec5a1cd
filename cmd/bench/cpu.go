package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// On two cores the bench client, the server, MariaDB and Redis all compete
// for the same CPU, so each cell also reports who used it: the bench
// process (client and server together), mariadbd, redis-server, and the
// whole machine (anything beyond those three is another program disturbing
// the run). Read from /proc; elsewhere the column stays empty.

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on every Linux
// architecture Go runs on).
const clockTicks = 100

// servicePIDs are the local database and Redis processes (0: not found,
// e.g. the server runs on another host).
type servicePIDs struct{ db, redis int }

func findServices() servicePIDs {
	var p servicePIDs
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		switch strings.TrimSpace(string(comm)) {
		case "mariadbd", "mysqld":
			p.db = pid
		case "redis-server":
			p.redis = pid
		}
	}
	return p
}

type cpuSample struct {
	at                   time.Time
	self, db, redis      uint64 // process CPU ticks (user + system)
	machineBusy, machine uint64 // /proc/stat ticks: busy, all
	ok                   bool
}

func (p servicePIDs) sample() cpuSample {
	s := cpuSample{at: time.Now()}
	var ok bool
	s.self, ok = procTicks("self")
	if p.db != 0 {
		s.db, _ = procTicks(strconv.Itoa(p.db))
	}
	if p.redis != 0 {
		s.redis, _ = procTicks(strconv.Itoa(p.redis))
	}
	s.machineBusy, s.machine = machineTicks()
	s.ok = ok && s.machine > 0
	return s
}

// procTicks returns utime + stime of /proc/<pid>/stat.
func procTicks(pid string) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name is in parentheses and may hold spaces: the fields
	// after the last ')' start at field 3 (state); utime and stime are
	// fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	return u + s, err1 == nil && err2 == nil
}

// machineTicks returns the busy and total ticks of all CPUs (/proc/stat's
// first line; idle and iowait count as not busy).
func machineTicks() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// cpuUsage is CPU time over a cell's window, in cores (1.0 = one core
// busy all the time).
type cpuUsage struct {
	bench, db, redis, machine float64
	ok                        bool
}

// otherLoad is how much CPU programs other than the bench, MariaDB and
// Redis may use during a cell before its numbers are marked as disturbed
// (on two cores, a parallel build or test run easily halves them).
const otherLoad = 0.25

func (u cpuUsage) disturbed() bool {
	return u.ok && u.machine-(u.bench+u.db+u.redis) > otherLoad
}

func (s cpuSample) since(from cpuSample) cpuUsage {
	secs := s.at.Sub(from.at).Seconds()
	if !s.ok || !from.ok || secs <= 0 {
		return cpuUsage{}
	}
	cores := func(a, b uint64) float64 { return float64(a-b) / clockTicks / secs }
	u := cpuUsage{
		bench: cores(s.self, from.self),
		db:    cores(s.db, from.db),
		redis: cores(s.redis, from.redis),
		ok:    true,
	}
	// /proc/stat counts every CPU's ticks: busy/total is the busy fraction
	// of the machine, times the CPU count gives cores.
	if all := s.machine - from.machine; all > 0 {
		u.machine = float64(s.machineBusy-from.machineBusy) / float64(all) * float64(numCPU())
	}
	return u
}

func numCPU() int {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 1
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "cpu") && len(l) > 3 && l[3] >= '0' && l[3] <= '9' {
			n++
		}
	}
	return max(n, 1)
}
