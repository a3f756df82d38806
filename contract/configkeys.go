package contract

// ConfigKeys name the deploy settings as Pulumi config keys, in the
// project's namespace (`pulumi config set stage 2` writes
// "<project>:stage" into Pulumi.<stack>.yaml). The program reads the stack's
// configuration under them and the local runner reads the same file, so a
// key is written here once for both.
func ConfigKeys() SettingNames {
	return SettingNames{
		AdminEmail: "adminEmail", AlarmEmail: "alarmEmail", AllowedOrigin: "allowedOrigin",
		Tracing:           TracingNames{Stage: "stage", FaultPercent: "faultPercent", FaultDelay: "faultDelay", Instrumentation: "instrumentation"},
		ThrottleRateLimit: "throttleRateLimit", ThrottleBurstLimit: "throttleBurstLimit",
		LogRetentionDays: "logRetentionDays",
	}
}

// Raw reads each setting's text by its name through get (a config lookup,
// flags, an environment): what ParseSettings takes, so a caller that knows
// its settings by name never lists them again.
func (n SettingNames) Raw(get func(name string) string) RawSettings {
	var r RawSettings
	for _, f := range settingFields(&n, &r) {
		*f.text = get(*f.name)
	}
	return r
}

// Renamed is n with every name passed through rename: the local runner
// names a setting given as a flag by the flag, the others by their key.
func (n SettingNames) Renamed(rename func(name string) string) SettingNames {
	for _, f := range settingFields(&n, &RawSettings{}) {
		*f.name = rename(*f.name)
	}
	return n
}

// settingField is one setting: its name and its text.
type settingField struct{ name, text *string }

// settingFields pairs each setting's name in n with its text in r: the one
// list of the settings that Raw and Renamed walk (TestSettingFields fails
// when a setting is added to SettingNames and RawSettings but not here).
func settingFields(n *SettingNames, r *RawSettings) []settingField {
	return []settingField{
		{&n.AdminEmail, &r.AdminEmail},
		{&n.AlarmEmail, &r.AlarmEmail},
		{&n.AllowedOrigin, &r.AllowedOrigin},
		{&n.Tracing.Stage, &r.Tracing.Stage},
		{&n.Tracing.FaultPercent, &r.Tracing.FaultPercent},
		{&n.Tracing.FaultDelay, &r.Tracing.FaultDelay},
		{&n.Tracing.Instrumentation, &r.Tracing.Instrumentation},
		{&n.ThrottleRateLimit, &r.ThrottleRateLimit},
		{&n.ThrottleBurstLimit, &r.ThrottleBurstLimit},
		{&n.LogRetentionDays, &r.LogRetentionDays},
	}
}
