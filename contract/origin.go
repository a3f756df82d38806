package contract

import (
	"fmt"
	"net/url"
	"strings"
)

// AnyOrigin lets every site call the API; it is the default.
const AnyOrigin = "*"

// OriginOf reduces a site URL (https://www.example.com/index.html) to the
// origin a browser sends and CORS compares: scheme://host[:port], lower
// case, without the scheme's default port.
func OriginOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", rawURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an http(s) URL such as https://www.example.com", rawURL)
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") { // IPv6 literal
			host = "[" + host + "]"
		}
	}
	return scheme + "://" + host, nil
}

// ParseOrigin accepts what may be configured as the CORS origin: "*", or an
// origin (scheme://host[:port], in any case, a trailing slash forgiven),
// returned in OriginOf's form. A page URL is refused: CORS compares
// origins only, and a path here is more likely a mistake than a wish.
func ParseOrigin(raw string) (string, error) {
	if raw == AnyOrigin {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" {
		if origin, err := OriginOf(raw); err == nil {
			return origin, nil
		}
	}
	return "", fmt.Errorf("%q must be %s or an origin such as https://www.example.com", raw, AnyOrigin)
}

// CheckOrigin accepts what may go into Access-Control-Allow-Origin as is:
// "*" or an origin in OriginOf's form (ParseOrigin gives that form).
func CheckOrigin(origin string) error {
	canonical, err := ParseOrigin(origin)
	if err != nil {
		return err
	}
	if canonical != origin {
		return fmt.Errorf("%q must be written as %q", origin, canonical)
	}
	return nil
}
