//go:build !linux

package bench

import "time"

// processCPU and selfCPU are unknown outside Linux: reported as 0.
func processCPU(int) (time.Duration, error) { return 0, nil }

func selfCPU() (time.Duration, error) { return 0, nil }
