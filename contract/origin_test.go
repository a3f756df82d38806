package contract

import (
	"strings"
	"testing"
)

func TestOriginOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want, wantErr string
	}{
		{url: "https://www.mysfits.example/index.html", want: "https://www.mysfits.example"},
		{url: "https://www.mysfits.example/", want: "https://www.mysfits.example"},
		{url: "http://mysfits-site.s3-website-us-east-1.amazonaws.com", want: "http://mysfits-site.s3-website-us-east-1.amazonaws.com"},
		{url: "HTTPS://WWW.Mysfits.Example/Contact?x=1#top", want: "https://www.mysfits.example"},
		{url: "http://localhost:8080/contact.html", want: "http://localhost:8080"},
		{url: "https://www.mysfits.example:443/", want: "https://www.mysfits.example"},
		{url: "http://www.mysfits.example:80", want: "http://www.mysfits.example"},
		{url: "https://www.mysfits.example:8443", want: "https://www.mysfits.example:8443"},
		{url: "http://[::1]:80/", want: "http://[::1]"},
		{url: "ftp://files.mysfits.example", wantErr: "not an http(s) URL"},
		{url: "www.mysfits.example", wantErr: "not an http(s) URL"},
		{url: "https://user:pw@www.mysfits.example", wantErr: "not an http(s) URL"},
		{url: "https://", wantErr: "not an http(s) URL"},
		{url: "https://bad host/", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		got, err := OriginOf(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OriginOf(%q) = %q, %v; want error containing %q", tt.url, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("OriginOf(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
}

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"*":                               "*",
		"https://www.mysfits.example":     "https://www.mysfits.example",
		"HTTPS://WWW.Mysfits.Example/":    "https://www.mysfits.example",
		"https://www.mysfits.example:443": "https://www.mysfits.example",
		"http://localhost:8080/":          "http://localhost:8080",
	} {
		if got, err := ParseOrigin(raw); err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "**", "https://www.mysfits.example/index.html", "https://www.mysfits.example/?", "https://www.mysfits.example/#top", "www.mysfits.example", "ftp://www.mysfits.example"} {
		if got, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) = %q, want an error", bad, got)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"*", "https://www.mysfits.example", "http://localhost:8080"} {
		if err := CheckOrigin(ok); err != nil {
			t.Errorf("CheckOrigin(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "https://www.mysfits.example/", "https://www.mysfits.example/index.html", "www.mysfits.example", "https://WWW.mysfits.example", "'; drop"} {
		if err := CheckOrigin(bad); err == nil {
			t.Errorf("CheckOrigin(%q) = nil, want an error: it goes into a response header", bad)
		}
	}
}
