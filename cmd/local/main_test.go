package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
)

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		want    lambdaenv.Tracing
		wantErr string
	}{
		{args: nil, want: lambdaenv.Tracing{Stage: 1}},
		{args: []string{"--stage", "2"}, want: lambdaenv.Tracing{Stage: 2}},
		{args: []string{"--stage", "3", "--fault-percent", "100", "--fault-delay", "300ms"},
			want: lambdaenv.Tracing{Stage: 3, Faults: lambdaenv.Faults{Percent: 100, Delay: 300 * time.Millisecond}}},
		{args: []string{"--stage", "3"}, want: lambdaenv.Tracing{Stage: 3, Faults: lambdaenv.Faults{Percent: 50, Delay: 5 * time.Second}}},
		{args: []string{"--stage", "4"}, wantErr: "--stage 4: must be 1, 2 or 3"},
		{args: []string{"--stage", "3", "--fault-percent", "101"}, wantErr: "--fault-percent/--fault-delay"},
		{args: []string{"--stage", "3", "--fault-delay", "1m"}, wantErr: "fault delay 1m0s"},
		{args: []string{"--stage", "2", "extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parse(tc.args, io.Discard)
			var tr lambdaenv.Tracing
			if err == nil {
				tr, err = o.tracing()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || tr != tc.want {
				t.Errorf("tracing %+v, %v; want %+v", tr, err, tc.want)
			}
		})
	}
}
