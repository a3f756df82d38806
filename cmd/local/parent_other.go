//go:build !linux

package main

// stopWithParent has no portable equivalent outside Linux; Ctrl-C in the
// terminal reaches the runner directly.
func stopWithParent() {}
