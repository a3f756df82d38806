// The Contact Us form: posts {"email", "questionText"} as JSON to
// {questionsApiEndpoint}/questions. The endpoint comes from config.json next
// to this page (the local runner serves it; a deployed site writes it from
// the stack output questionsApiEndpoint) or from ?endpoint= for a quick try.
"use strict";

const form = document.getElementById("contact-form");
const statusBox = document.getElementById("status");
const submitButton = document.getElementById("submit");

async function questionsEndpoint() {
  const fromQuery = new URLSearchParams(window.location.search).get("endpoint");
  if (fromQuery) return fromQuery.replace(/\/+$/, "");
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error("the page is not configured (config.json is missing)");
  const config = await response.json();
  return String(config.questionsApiEndpoint).replace(/\/+$/, "");
}

function showStatus(kind, message) {
  statusBox.className = kind;
  statusBox.textContent = message;
  statusBox.hidden = false;
}

// readableError turns any failed answer into a sentence: our JSON errors carry
// "error", API Gateway's own answers (throttling, 502) carry "message".
async function readableError(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = body.error || body.message || "";
  } catch (_) {
    // Not JSON: fall back to the status line.
  }
  if (response.status >= 500) {
    return "Sorry, we could not take your question right now (" + response.status +
      (detail ? ": " + detail : "") + "). Please try again in a moment.";
  }
  // Not "check your question": the field at fault is often the e-mail.
  return "Your question was not sent: " + (detail || response.statusText || "it was rejected") + ".";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  submitButton.disabled = true;
  showStatus("", "Sending…");
  try {
    const endpoint = await questionsEndpoint();
    const response = await fetch(endpoint + "/questions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        email: form.email.value.trim(),
        questionText: form.questionText.value,
      }),
    });
    if (response.ok) {
      showStatus("success", "Thank you! Your question has been sent; we will reply by e-mail.");
      form.reset();
    } else {
      showStatus("error", await readableError(response));
    }
  } catch (err) {
    showStatus("error", "Sorry, your question could not be sent: " + err.message + ".");
  } finally {
    submitButton.disabled = false;
  }
});
