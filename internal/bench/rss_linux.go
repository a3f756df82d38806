package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// peakRSS is the largest resident set the running process pid has had, in
// bytes: VmHWM of /proc/pid/status. Not the child's rusage: Go starts a
// child with vfork, and Linux carries the parent's high-water mark into
// the child's ru_maxrss at exec, so every child would report the harness's
// own size.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM of %d: %w", pid, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
