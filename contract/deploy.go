package contract

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mysfits/mysfits-questions/questions"
)

// The deploy settings: what a user sets for one service (Pulumi config
// keys, the multi-language package's inputs, a Go program's arguments),
// with their defaults and rules, each written once. ParseSettings reads
// them as text; Settings.Validate checks typed ones. Both name every bad
// setting the way the caller knows it (SettingNames) with one
// *SettingError each.

// Defaults of the settings that are not tracing settings (those are
// DefaultTracing's). Pulumi.yaml declares the same (TestProjectFiles).
const (
	DefaultThrottleRateLimit  = 10 // requests per second
	DefaultThrottleBurstLimit = 20
	DefaultLogRetentionDays   = 14
)

// Throttle limits the API stage's steady request rate and burst, so a
// runaway client cannot run up Lambda and DynamoDB costs.
type Throttle struct {
	RateLimit  float64 // requests per second
	BurstLimit int
}

// logRetentionDays are the retention periods CloudWatch Logs accepts
// (PutRetentionPolicy); "never expire" is deliberately not offered.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidLogRetention reports whether CloudWatch Logs accepts days.
func ValidLogRetention(days int) bool { return slices.Contains(logRetentionDays, days) }

// LogRetentionChoices lists the accepted retention periods, for messages
// and descriptions.
func LogRetentionChoices() string {
	s := make([]string, len(logRetentionDays))
	for i, d := range logRetentionDays {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// The rules of the deploy settings, each written once.
var (
	errRequiredEmail = errors.New("required: an e-mail address such as admin@example.com")
	errOrigin        = fmt.Errorf("must be %s or an origin such as https://www.mysfits.example", AnyOrigin)
	errPositive      = errors.New("must be greater than 0")
	errInteger       = errors.New("must be an integer")
	errLogRetention  = errors.New("must be one of " + LogRetentionChoices())
)

// Settings are the deploy settings of one service.
type Settings struct {
	AdminEmail       string
	AlarmEmail       string // "" = AdminEmail
	AllowedOrigin    string // AnyOrigin or an origin in OriginOf's form
	Tracing          Tracing
	Throttle         Throttle
	LogRetentionDays int
}

// SettingNames are the names the caller's user knows the settings by.
type SettingNames struct {
	AdminEmail, AlarmEmail, AllowedOrigin string
	Tracing                               TracingNames
	ThrottleRateLimit, ThrottleBurstLimit string
	LogRetentionDays                      string
}

// RawSettings are the settings as text; an empty field takes its default
// (AdminEmail has none: it is required).
type RawSettings struct {
	AdminEmail, AlarmEmail, AllowedOrigin string
	Tracing                               RawTracing
	ThrottleRateLimit, ThrottleBurstLimit string
	LogRetentionDays                      string
}

// DefaultSettings are the defaults, for adminEmail.
func DefaultSettings(adminEmail string) Settings {
	return Settings{
		AdminEmail:       adminEmail,
		AllowedOrigin:    AnyOrigin,
		Tracing:          DefaultTracing(),
		Throttle:         Throttle{RateLimit: DefaultThrottleRateLimit, BurstLimit: DefaultThrottleBurstLimit},
		LogRetentionDays: DefaultLogRetentionDays,
	}
}

// ParseSettings reads and checks every setting; the error holds one
// *SettingError per bad setting (a value that does not parse is not also
// checked against its rule).
func ParseSettings(raw RawSettings, names SettingNames) (Settings, error) {
	s := DefaultSettings(raw.AdminEmail)
	var errs []error
	unparsed := map[string]bool{} // names whose text did not parse
	bad := func(name, value string, rule error) {
		errs = append(errs, &SettingError{Name: name, Value: value, Rule: rule})
		unparsed[name] = true
	}
	integer := func(name, text string, into *int) {
		if text == "" {
			return
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			bad(name, strconv.Quote(text), errInteger)
			return
		}
		*into = n
	}

	s.AlarmEmail = strings.TrimSpace(raw.AlarmEmail)
	if raw.AllowedOrigin != "" {
		origin, err := ParseOrigin(raw.AllowedOrigin)
		if err != nil {
			bad(names.AllowedOrigin, strconv.Quote(raw.AllowedOrigin), errOrigin)
		}
		s.AllowedOrigin = origin
	}
	tracing, err := ParseTracing(raw.Tracing, names.Tracing)
	if err != nil {
		errs = append(errs, err) // one *SettingError per tracing setting, checked
		unparsed[names.Tracing.Stage] = true
		unparsed[names.Tracing.FaultPercent] = true
		unparsed[names.Tracing.FaultDelay] = true
		unparsed[names.Tracing.Instrumentation] = true
	}
	s.Tracing = tracing
	rate := DefaultThrottleRateLimit
	integer(names.ThrottleRateLimit, raw.ThrottleRateLimit, &rate)
	s.Throttle.RateLimit = float64(rate)
	integer(names.ThrottleBurstLimit, raw.ThrottleBurstLimit, &s.Throttle.BurstLimit)
	integer(names.LogRetentionDays, raw.LogRetentionDays, &s.LogRetentionDays)

	for _, p := range s.problems(names) {
		if !unparsed[p.Name] {
			errs = append(errs, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// Validate checks typed settings with the same rules; the error holds one
// *SettingError per bad setting.
func (s Settings) Validate(names SettingNames) error {
	var errs []error
	for _, p := range s.problems(names) {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

// Validate checks a throttle on its own (the API component's arguments).
func (t Throttle) Validate(rateName, burstName string) error {
	var errs []error
	for _, p := range t.problems(rateName, burstName) {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

func (s Settings) problems(names SettingNames) []*SettingError {
	var out []*SettingError
	email := func(name, address string) {
		if err := questions.ValidateEmail(address); err != nil {
			rule := err
			if fe := (*questions.FieldError)(nil); errors.As(err, &fe) {
				rule = errors.New("it " + fe.Problem)
			}
			out = append(out, &SettingError{Name: name, Value: strconv.Quote(address), Rule: rule})
		}
	}
	if s.AdminEmail == "" {
		out = append(out, &SettingError{Name: names.AdminEmail, Rule: errRequiredEmail})
	} else {
		email(names.AdminEmail, s.AdminEmail)
	}
	if s.AlarmEmail != "" {
		email(names.AlarmEmail, s.AlarmEmail)
	}
	if err := CheckOrigin(s.AllowedOrigin); err != nil {
		out = append(out, &SettingError{Name: names.AllowedOrigin, Value: strconv.Quote(s.AllowedOrigin), Rule: errOrigin})
	}
	if err := s.Tracing.Validate(names.Tracing); err != nil {
		var se *SettingError
		for _, e := range unjoin(err) {
			if errors.As(e, &se) {
				out = append(out, se)
			}
		}
	}
	out = append(out, s.Throttle.problems(names.ThrottleRateLimit, names.ThrottleBurstLimit)...)
	if !ValidLogRetention(s.LogRetentionDays) {
		out = append(out, &SettingError{Name: names.LogRetentionDays, Value: strconv.Itoa(s.LogRetentionDays), Rule: errLogRetention})
	}
	return out
}

func (t Throttle) problems(rateName, burstName string) []*SettingError {
	var out []*SettingError
	if t.RateLimit <= 0 {
		out = append(out, &SettingError{Name: rateName, Value: strconv.FormatFloat(t.RateLimit, 'g', -1, 64), Rule: errPositive})
	}
	if t.BurstLimit <= 0 {
		out = append(out, &SettingError{Name: burstName, Value: strconv.Itoa(t.BurstLimit), Rule: errPositive})
	}
	return out
}

// unjoin lists the errors errors.Join joined.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
