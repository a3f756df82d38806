package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		want    contract.Tracing
		wantErr string
	}{
		{args: nil, want: contract.DefaultTracing()},
		{args: []string{"--stage", "2"}, want: contract.Tracing{Stage: 2, Faults: contract.DefaultTracing().Faults}},
		// The fault delay is kept below stage 3: it sizes the post timeout.
		{args: []string{"--stage", "1", "--fault-delay", "20s"}, want: contract.Tracing{Stage: 1, Faults: contract.Faults{Percent: 50, Delay: 20 * time.Second}}},
		{args: []string{"--stage", "3", "--fault-percent", "100", "--fault-delay", "300ms"},
			want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 100, Delay: 300 * time.Millisecond}}},
		{args: []string{"--stage", "3"}, want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 50, Delay: 5 * time.Second}}},
		{args: []string{"--stage", "4"}, wantErr: "--stage: 4 is not allowed (must be 1, 2 or 3)"},
		{args: []string{"--stage", "3", "--fault-percent", "101"}, wantErr: "--fault-percent: 101 is not allowed"},
		{args: []string{"--stage", "1", "--fault-delay", "1m"}, wantErr: "--fault-delay: 1m0s is not allowed"},
		{args: []string{"--allowed-origin", "https://www.mysfits.example/contact"}, wantErr: "--allowed-origin: "},
		{args: []string{"--stage", "2", "extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parse(tc.args, io.Discard)
			tr := o.tracing
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
