package main

import (
	"io"
	"slices"
	"testing"

	"github.com/mysfits/mysfits-questions/internal/bench"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		sections []string
		wantErr  bool
	}{
		{name: "default: every section", args: nil, sections: bench.AllSections},
		{name: "only", args: []string{"-only", "cold,size"}, sections: []string{"cold", "size"}},
		{name: "skip", args: []string{"-skip", "tests,deploy"}, sections: []string{"size", "cold", "handlers", "api"}},
		{name: "nothing left", args: []string{"-only", "cold", "-skip", "cold"}, wantErr: true},
		{name: "stray argument", args: []string{"cold"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parse(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parse(%q) error %v, want error %t", tt.args, err, tt.wantErr)
			}
			if !tt.wantErr && !slices.Equal(c.Sections, tt.sections) {
				t.Errorf("sections %q, want %q", c.Sections, tt.sections)
			}
		})
	}
}
