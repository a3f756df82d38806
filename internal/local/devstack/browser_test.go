package devstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/questions"
)

// TestBrowserContactForm is a visitor using the Contact Us page in Debian's
// headless Chromium against the local stack: the page the stack serves, the
// JSON POST the browser really sends (CORS included), and what the visitor
// then reads on the page.
func TestBrowserContactForm(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	browser := startBrowser(t)
	cases := []struct {
		name    string
		tracing contract.Tracing
		email   string
		// wantStatus is the class of #status once the answer is in, and
		// wantMessage the phrases its sentence must hold.
		wantStatus  string
		wantMessage []string
		stored      bool
	}{
		{
			name:        "question arrives",
			tracing:     atStage(contract.StageSDK),
			email:       "ada@example.com",
			wantStatus:  "success",
			wantMessage: []string{"Thank you", "question has been sent"},
			stored:      true,
		},
		{
			name:        "injected fault",
			tracing:     contract.Tracing{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 100, Delay: 300 * time.Millisecond}},
			email:       "ada@example.com",
			wantStatus:  "error",
			wantMessage: []string{"502", "try again"},
		},
		{
			// The form has novalidate, so the browser sends the bad address
			// and the page shows what the API said about it.
			name:        "invalid e-mail address",
			tracing:     atStage(contract.StageLambdaOnly),
			email:       "ada.example.com",
			wantStatus:  "error",
			wantMessage: []string{"not sent", questions.FieldEmail, "must be an e-mail address"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack, obs := startStack(t, tc.tracing)
			// Non-ASCII, so the text must arrive intact through every hop, and
			// a token that tells this question's notification apart.
			text := "Does Twilight Glitter like crème brûlée? #" + randomToken(t)

			ctx, cancel := context.WithTimeout(browser, time.Minute)
			defer cancel()
			tab, closeTab := chromedp.NewContext(ctx)
			defer closeTab()

			watchPage(t, tab)
			got := submitContactForm(t, tab, pageURL(stack), tc.email, text)
			shot := saveScreenshot(t, tab, "contact-"+strings.ReplaceAll(tc.name, " ", "-")+".png")
			t.Logf("page after the answer: %s %q (screenshot %s)", got.Status, got.Message, shot)

			if got.Status != tc.wantStatus {
				t.Fatalf("#status has class %q and says %q, want class %q", got.Status, got.Message, tc.wantStatus)
			}
			for _, phrase := range tc.wantMessage {
				if !strings.Contains(got.Message, phrase) {
					t.Errorf("#status says %q, want it to mention %q", got.Message, phrase)
				}
			}
			if got.Busy {
				t.Error("the Send button stays disabled after the answer, want it usable again")
			}

			if tc.tracing.Stage.APIGatewayTracing() {
				// Proof the browser treated the API as another origin.
				waitFor(t, "the browser's CORS preflight in the traces", func() bool { return tracedMethod(obs, http.MethodOptions) })
			}

			items := storedItems(t, stack.Resources().TableName)
			if !tc.stored {
				// A failed question stays in the form so the visitor can retry.
				if got.Email != tc.email || got.QuestionText != text {
					t.Errorf("form holds %q / %q after a failure, want what the visitor typed kept", got.Email, got.QuestionText)
				}
				if len(items) != 0 {
					t.Errorf("table holds %d items after a failed question, want none", len(items))
				}
				if tc.tracing.Stage.FaultInjection() {
					// The 502 the page shows is the injected fault, not some
					// other failure on the way.
					waitFor(t, "the faulted trace", func() bool { _, ok := traceWith(obs, tracing.HangingSubsegment); return ok })
				}
				return
			}
			if got.Email != "" || got.QuestionText != "" {
				t.Errorf("form holds %q / %q after success, want it cleared", got.Email, got.QuestionText)
			}
			if len(items) != 1 || stringAttr(items[0], questions.AttrQuestionText) != text ||
				stringAttr(items[0], questions.AttrUserEmail) != tc.email || stringAttr(items[0], questions.AttrQuestionID) == "" {
				t.Errorf("table holds %v, want one question with the typed text and e-mail", items)
			}
			waitFor(t, "the question's notification in the inbox", func() bool {
				_, notes, _ := obs.snapshot()
				for _, n := range notes {
					if strings.Contains(n.Message, text) && strings.Contains(n.Message, tc.email) {
						return true
					}
				}
				return false
			})
		})
	}
}

// pageURL is the page the stack serves, reached as localhost while its
// config.json names the API as 127.0.0.1: two origins, as the site and
// execute-api are on AWS, so the browser enforces CORS (a preflight for the
// JSON POST, and the CORS headers on every answer, errors included).
func pageURL(stack *Stack) string {
	return strings.Replace(stack.Endpoint(), "//127.0.0.1:", "//localhost:", 1) + "/"
}

// tracedMethod reports whether a finished trace's root served method.
func tracedMethod(o *observed, method string) bool {
	traces, _, _ := o.snapshot()
	for _, tr := range traces {
		if root, ok := tr.Root(); ok && root.HTTP != nil && root.HTTP.Request != nil && root.HTTP.Request.Method == method {
			return true
		}
	}
	return false
}

// formState is what the visitor sees of the form.
type formState struct {
	Shown        bool   `json:"shown"`
	Status       string `json:"status"` // the class of #status
	Message      string `json:"message"`
	Email        string `json:"email"`
	QuestionText string `json:"questionText"`
	Busy         bool   `json:"busy"` // the Send button is disabled
}

const formStateJS = `(() => {
	const status = document.getElementById("status");
	return {
		shown: !status.hidden,
		status: status.className,
		message: status.textContent,
		email: document.getElementById("email").value,
		questionText: document.getElementById("questionText").value,
		busy: document.getElementById("submit").disabled,
	};
})()`

// submitContactForm types into the form as a visitor would, presses "Send
// question" and waits until the page shows the answer.
func submitContactForm(t *testing.T, tab context.Context, url, email, text string) formState {
	t.Helper()
	if err := chromedp.Do(tab,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("contact-form")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("questionText"), text),
		chromedp.Click(chromedp.CSS(`#contact-form button[type="submit"]`)),
	); err != nil {
		t.Fatalf("filling the form at %s: %v", url, err)
	}
	answered := `(s => s.shown && (s.status === "success" || s.status === "error") && !s.busy ? s : null)(` + formStateJS + `)`
	got, err := chromedp.Run(tab, chromedp.Poll[formState](answered,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		now, _ := chromedp.Run(tab, chromedp.Evaluate[formState](formStateJS))
		t.Fatalf("waiting for the page to show the answer: %v; the page shows %+v", err, now)
	}
	return got
}

// watchPage shows what the page's console said once the test ends, and
// fails the test on any uncaught JavaScript exception: a broken script
// otherwise shows up only as a page that never answers.
func watchPage(t *testing.T, tab context.Context) {
	t.Helper()
	exceptions := chromedp.Events(tab, runtime.ExceptionThrown)
	entries := chromedp.Events(tab, cdplog.EntryAdded)
	var mu sync.Mutex
	var thrown, console []string
	var wg sync.WaitGroup
	// Both subscriptions end, and so these goroutines, when the tab closes.
	wg.Go(func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			text := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
				text = ex.Description
			}
			mu.Lock()
			thrown = append(thrown, text)
			mu.Unlock()
		}
	})
	wg.Go(func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, fmt.Sprintf("%s (%s): %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text))
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		wg.Wait()
		if len(console) > 0 {
			t.Logf("the page's console:\n  %s", strings.Join(console, "\n  "))
		}
		for _, text := range thrown {
			t.Errorf("the page threw: %s", text)
		}
	})
}

// saveScreenshot keeps the whole page as a PNG in the test's artifact
// directory (kept with `go test -artifacts -outputdir DIR`), and checks the
// image decodes.
func saveScreenshot(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || img.Bounds().Dx() == 0 || img.Bounds().Dy() == 0 {
		t.Fatalf("the screenshot is not a usable PNG (%v)", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// startBrowser launches headless Chromium with a fresh profile and returns
// the context of its first tab. When the test ends the browser is closed
// and no process of it may be left.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	profile := t.TempDir()
	var outMu sync.Mutex
	var out bytes.Buffer
	// A plain cancel bounds the start: canceling the context the browser
	// starts under kills it, so a timeout context cannot be used for that.
	life, kill := context.WithCancel(context.Background())
	alloc, cancelAlloc := chromedp.NewExecAllocator(life,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // the tests run as root in containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is tiny in many containers
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(900, 720),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(lockedWriter{&outMu, &out}),
	)
	browser, closeBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(browser, 15*time.Second)
		defer cancel()
		if err := chromedp.Cancel(ctx); err != nil {
			t.Errorf("closing Chromium: %v", err)
		}
		closeBrowser()
		cancelAlloc() // waits until the browser process has exited
		kill()
		checkNoProcessLeft(t, profile)
		outMu.Lock()
		defer outMu.Unlock()
		if t.Failed() && out.Len() > 0 {
			t.Logf("Chromium's output:\n%s", out.String())
		}
	})

	watchdog := time.AfterFunc(time.Minute, kill)
	err := chromedp.Do(browser) // starts the browser and opens its first tab
	if !watchdog.Stop() {
		t.Fatalf("Chromium (%s) did not start within a minute: %v", exe, err)
	}
	if err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	return browser
}

// chromiumPath finds Debian's Chromium. Its absence fails the test: the
// browser test is part of `make test`, not an optional extra.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("Chromium is not installed: the browser test drives Debian's headless Chromium. " +
		"Install it with `sudo apt-get install -y chromium` (.ci/run does this when it is missing).")
	return ""
}

// checkNoProcessLeft fails the test if a process of the browser outlives it.
// Chromium passes --user-data-dir to each of its processes, and the profile
// folder is the test's own, so the command line finds exactly ours. Any
// found is killed after a short grace, so one failure does not leak into the
// next run.
func checkNoProcessLeft(t *testing.T, profile string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := processesWithArg("--user-data-dir=" + profile)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("Chromium processes %v still run after the browser was closed; killing them", left)
			for _, pid := range left {
				if p, err := os.FindProcess(pid); err == nil {
					_ = p.Kill()
				}
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processesWithArg lists the processes with arg on their command line.
func processesWithArg(arg string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for a := range bytes.SplitSeq(cmdline, []byte{0}) {
			if string(a) == arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
