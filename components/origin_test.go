package components

import "testing"

func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"*", "https://www.mysfits.example", "http://localhost:8080"} {
		if err := checkOrigin(ok); err != nil {
			t.Errorf("checkOrigin(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "https://www.mysfits.example/", "https://www.mysfits.example/index.html", "www.mysfits.example", "https://WWW.mysfits.example", "'; drop"} {
		if err := checkOrigin(bad); err == nil {
			t.Errorf("checkOrigin(%q) = nil, want an error: it goes into a response header", bad)
		}
	}
}
