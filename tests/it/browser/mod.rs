//! A real headless Chromium driven over chromedriver (fantoccini), with the few verbs the flow
//! tests speak: go, fill, type, click a button or link by its words, read the page, wait for text.
//!
//! [`Browser::start`] fails with the one command that installs chromium and chromedriver when
//! either is missing (.ci/run installs both then).

// Verbs the flow tests may not all use yet.
#![allow(dead_code)]

mod chat;
mod driver;
mod flows;
mod forgery;
mod harness;
mod names;
mod review;
mod site;

use driver::Driver;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

pub use fantoccini::cookies::Cookie;

/// How long a wait for text, an element or a button polls before the test fails. Generous: the
/// machine may be busy compiling; a page that is right shows up long before.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);

/// The pause between two keys of [`Browser::type_slowly`], as a person types.
const KEY_PAUSE: Duration = Duration::from_millis(80);

/// At most this many browsers at once in the test process: a Chromium is heavy, and cargo runs
/// tests in parallel.
static BROWSERS: Semaphore = Semaphore::const_new(2);

const CHROMIUM_ARGS: [&str; 10] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,900",
];

/// A headless Chromium with its own profile and its own chromedriver, both gone when dropped.
pub struct Browser {
    // Fields drop in this order: the session, then chromedriver and its browsers, then the
    // profile they wrote to, then the permit for another browser.
    client: Client,
    driver: Driver,
    profile: tempfile::TempDir,
    _permit: SemaphorePermit<'static>,
    /// How long the waits poll ([`WAIT_TIMEOUT`] unless a test sets another).
    wait: Duration,
}

impl Browser {
    /// A fresh browser. A missing chromium or chromedriver fails the test with the one command
    /// that installs both (as .ci/run does when they are missing). Always `Some`: the callers'
    /// `let … else` stays for a browser that cannot be had at all.
    pub async fn start() -> Option<Browser> {
        let (chromium, chromedriver) = programs().unwrap_or_else(|why| {
            panic!("{why}: install them with `apt-get install -y chromium chromium-driver`")
        });
        Some(Browser::launch(&chromium, &chromedriver).await)
    }

    async fn launch(chromium: &Path, chromedriver: &Path) -> Browser {
        let permit = BROWSERS.acquire().await.unwrap();
        let profile = tempfile::Builder::new()
            .prefix("warden-chromium-")
            .tempdir()
            .unwrap();
        let driver = Driver::start(chromedriver, profile.path())
            .await
            .unwrap_or_else(|e| panic!("cannot start chromedriver: {e}"));
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ));
        let caps = json!({
            "browserName": "chrome",
            // An unexpected alert stays open for the test to see (`alert_text`), not dismissed.
            "unhandledPromptBehavior": "ignore",
            // The console (script errors, CSP refusals, failed loads) for `console_errors`.
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": chromium, "args": args},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        // Plain HTTP to the loopback chromedriver: no TLS roots needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a Chromium session ({}): {e}; chromedriver's log:\n{}",
                    chromium.display(),
                    driver.log()
                )
            });
        Browser {
            client,
            driver,
            profile,
            _permit: permit,
            wait: WAIT_TIMEOUT,
        }
    }

    /// Makes the waits give up after `wait` (a test of the harness's own failure).
    pub fn set_wait_timeout(&mut self, wait: Duration) {
        self.wait = wait;
    }

    /// The fantoccini client, for what the verbs below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// chromedriver's process id (its process group's too: the browsers it starts are in it).
    pub fn driver_pid(&self) -> u32 {
        self.driver.pid()
    }

    /// The directory of this browser's profile and chromedriver's log.
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The page's address now.
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The page's visible text (`document.body.innerText`).
    pub async fn text(&self) -> String {
        self.try_text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the page's text: {e}"))
    }

    async fn try_text(&self) -> Result<String, fantoccini::error::CmdError> {
        let v = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Waits until the page's text contains `s`; fails showing the page when it never does.
    pub async fn wait_for_text(&self, s: &str) {
        let deadline = Instant::now() + self.wait;
        loop {
            // A page being replaced has no document to read for a moment: look again.
            if let Ok(text) = self.try_text().await
                && text.contains(s)
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("the text {s:?} never appeared")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the page's text no longer contains `s` (an htmx swap removing it).
    pub async fn wait_for_no_text(&self, s: &str) {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Ok(text) = self.try_text().await
                && !text.contains(s)
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("the text {s:?} never went away")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the address contains `part` (after a redirect).
    pub async fn wait_for_url(&self, part: &str) {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Ok(url) = self.client.current_url().await
                && url.as_str().contains(part)
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("the address never contained {part:?}"))
                    .await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for an element matching the CSS selector `css`, displayed or not.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_for_locator(Locator::Css(css), &format!("an element {css:?}"))
            .await
    }

    /// Whether an element matches the CSS selector `css` now (no waiting).
    pub async fn has(&self, css: &str) -> bool {
        self.any(Locator::Css(css)).await
    }

    /// Whether an element matches the XPath `xpath` now (no waiting).
    pub async fn has_xpath(&self, xpath: &str) -> bool {
        self.any(Locator::XPath(xpath)).await
    }

    async fn any(&self, locator: Locator<'_>) -> bool {
        !self
            .client
            .find_all(locator)
            .await
            .unwrap_or_default()
            .is_empty()
    }

    async fn wait_for_locator(&self, locator: Locator<'_>, what: &str) -> Element {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Ok(e) = self.client.find(locator).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("{what} never appeared")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Replaces the text of the field at `css` with `text` (one burst of keys).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.unwrap();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css:?}: {e}"));
    }

    /// Replaces the text of the field at `css` with `text` typed key by key, as a person types,
    /// so that search-as-you-type sees every prefix.
    pub async fn type_slowly(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.unwrap();
        for c in text.chars() {
            field
                .send_keys(&c.to_string())
                .await
                .unwrap_or_else(|e| panic!("cannot type {c:?} into {css:?}: {e}"));
            tokio::time::sleep(KEY_PAUSE).await;
        }
    }

    /// Adds `text` to the field at `css` key by key, after what it holds.
    pub async fn type_more(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        for c in text.chars() {
            field
                .send_keys(&c.to_string())
                .await
                .unwrap_or_else(|e| panic!("cannot type {c:?} into {css:?}: {e}"));
            tokio::time::sleep(KEY_PAUSE).await;
        }
    }

    /// Sets the value of the field at `css` directly and fires `input` and `change`, for fields
    /// whose keyboard entry is locale-dependent (`datetime-local`, `date`).
    pub async fn set_value(&self, css: &str, value: &str) {
        let field = self.wait_for(css).await;
        let arg = serde_json::to_value(&field).unwrap();
        self.client
            .execute(
                "arguments[0].value = arguments[1];
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true}));
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![arg, json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot set {css:?} to {value:?}: {e}"));
    }

    /// Chooses the option whose visible text is `label` in the `<select>` at `css`.
    pub async fn select(&self, css: &str, label: &str) {
        let select = self.wait_for(css).await;
        if let Err(e) = select.select_by_label(label).await {
            let options = select.text().await.unwrap_or_default();
            panic!("cannot choose {label:?} in {css:?} ({e}); its options:\n{options}");
        }
    }

    /// Chooses the option whose value is `value` in the `<select>` at `css`.
    pub async fn select_value(&self, css: &str, value: &str) {
        let select = self.wait_for(css).await;
        if let Err(e) = select.select_by_value(value).await {
            let options = select.html(true).await.unwrap_or_default();
            panic!("cannot choose the value {value:?} in {css:?} ({e}); its options:\n{options}");
        }
    }

    /// Clicks the element at `css` (a radio button, a checkbox, a row).
    pub async fn click(&self, css: &str) {
        let e = self.wait_for(css).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("cannot click {css:?}: {err}"));
    }

    /// Scrolls the element at `css` to the top of the viewport, a little margin above it
    /// (before a screenshot).
    pub async fn scroll_to(&self, css: &str) {
        let e = self.wait_for(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -16);",
                vec![arg],
            )
            .await
            .unwrap();
    }

    /// An attribute of the first element at `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait_for(css).await.attr(name).await.unwrap()
    }

    /// Clicks the displayed `<button>` or submit input whose text is exactly `label` (spaces
    /// trimmed), waiting for one to appear.
    pub async fn click_button(&self, label: &str) {
        self.click_displayed(&button_xpath(label), &format!("the button {label:?}"))
            .await;
    }

    /// Clicks the button `label` in the list item or table row that shows `text` as the whole
    /// text of one of its elements (the "Choose" of one search result among many).
    pub async fn click_button_in_row(&self, text: &str, label: &str) {
        let (t, l) = (xpath_literal(text), xpath_literal(label));
        let xpath = format!(
            "//*[self::li or self::tr][.//*[normalize-space(.)={t}]]\
             //*[self::button[normalize-space(.)={l}] or \
                 self::input[(@type='submit' or @type='button') and normalize-space(@value)={l}]]"
        );
        self.click_displayed(&xpath, &format!("a button {label:?} beside {text:?}"))
            .await;
    }

    /// Whether a displayed `<button>` or submit input reads exactly `label` now (no waiting).
    pub async fn has_button(&self, label: &str) -> bool {
        self.displayed(&button_xpath(label)).await.is_some()
    }

    /// Follows the displayed link whose text is exactly `text` (spaces trimmed), waiting for one
    /// to appear.
    pub async fn click_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(text));
        self.click_displayed(&xpath, &format!("the link {text:?}"))
            .await;
    }

    /// Clicks the displayed element at `xpath`, waiting for one. When htmx swaps the part of the
    /// page it is in between finding and clicking (live search results re-rendered as the last
    /// keys arrive), the element found is stale: it is found again in the new part, a bounded
    /// number of times.
    async fn click_displayed(&self, xpath: &str, what: &str) {
        const TRIES: usize = 10;
        for attempt in 1..=TRIES {
            let e = self.wait_for_displayed(xpath, what).await;
            match e.click().await {
                Ok(()) => return,
                Err(err) if attempt < TRIES && err.to_string().contains("stale element") => {}
                Err(err) => panic!("cannot click {what}: {err}"),
            }
        }
    }

    async fn displayed(&self, xpath: &str) -> Option<Element> {
        let all = self
            .client
            .find_all(Locator::XPath(xpath))
            .await
            .unwrap_or_default();
        for e in all {
            if e.is_displayed().await.unwrap_or(false) {
                return Some(e);
            }
        }
        None
    }

    async fn wait_for_displayed(&self, xpath: &str, what: &str) -> Element {
        let deadline = Instant::now() + self.wait;
        loop {
            if let Some(e) = self.displayed(xpath).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("{what} never appeared")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The cookies the browser holds for the current page.
    pub async fn cookies(&self) -> Vec<Cookie<'static>> {
        self.client.get_all_cookies().await.unwrap()
    }

    /// The value of the cookie `name`, if the browser holds it for the current page.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .await
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// The text of an open alert, confirm or prompt, if one is open.
    pub async fn alert_text(&self) -> Option<String> {
        self.client.get_alert_text().await.ok()
    }

    /// The console's errors since the last call (each read empties chromedriver's buffer):
    /// script errors, resources that failed to load, what the Content-Security-Policy refused.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|e| panic!("cannot read the browser's console: {e}"));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            // The browser asks for /favicon.ico by itself; no page asked for it.
            .filter(|m| !m.contains("/favicon.ico "))
            .collect()
    }

    /// Fails when the console holds errors: a page whose script the CSP refused, or whose file
    /// is missing, looks fine in a screenshot and works only half.
    pub async fn assert_no_console_errors(&self) {
        let errors = self.console_errors().await;
        assert!(
            errors.is_empty(),
            "the browser's console has errors at {}:\n{}",
            self.current_url().await,
            errors.join("\n")
        );
    }

    /// Writes a PNG of the viewport to `path`, creating its folder.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Writes `name` (e.g. `requests.png`) into the folder `WARDEN_SCREENSHOTS` names, if it is
    /// set; the README's screenshots come from here.
    pub async fn screenshot_for_docs(&self, name: &str) {
        if let Some(dir) = screenshots_dir() {
            self.screenshot(&dir.join(name)).await;
        }
    }

    /// Ends the session (Chromium quits); chromedriver goes when the value drops.
    pub async fn close(self) {
        let Browser { client, .. } = self;
        let _ = client.close().await;
    }

    /// Fails the test, showing where the browser is and what it shows.
    async fn fail(&self, what: &str) -> ! {
        let url = match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
        let text = match self.try_text().await {
            Ok(t) => t,
            Err(e) => format!("(cannot read it: {e})"),
        };
        panic!(
            "browser: {what} within {:?}\n--- at {url}, the page reads:\n{text}\n---",
            self.wait
        );
    }
}

/// chromedriver's (Selenium's) `POST /session/{id}/se/log` for the `browser` log, which the
/// W3C protocol lacks.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// A displayed `<button>` or submit/button input whose words are exactly `label`.
fn button_xpath(label: &str) -> String {
    let l = xpath_literal(label);
    format!(
        "//button[normalize-space(.)={l}] | \
         //input[(@type='submit' or @type='button') and normalize-space(@value)={l}]"
    )
}

/// `s` as an XPath string literal, whatever quotes it holds.
fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        return format!("'{s}'");
    }
    if !s.contains('"') {
        return format!("\"{s}\"");
    }
    let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}

/// The folder the README's screenshots go to, when `WARDEN_SCREENSHOTS` names one. A relative
/// path is taken from the crate's root (cargo runs tests there too).
pub fn screenshots_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WARDEN_SCREENSHOTS").filter(|d| !d.is_empty())?;
    Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
}

/// `CI` is set to something other than empty, `0` or `false`.
/// Chromium (`WARDEN_CHROMIUM`, else /usr/bin/chromium) and chromedriver (`WARDEN_CHROMEDRIVER`,
/// else `chromedriver` on PATH, else /usr/bin/chromedriver), or why not.
fn programs() -> Result<(PathBuf, PathBuf), String> {
    let chromium = std::env::var_os("WARDEN_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let chromedriver = std::env::var_os("WARDEN_CHROMEDRIVER")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| on_path("chromedriver"))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    let missing: Vec<String> = [(&chromium, "chromium"), (&chromedriver, "chromedriver")]
        .into_iter()
        .filter(|(p, _)| !is_executable(p))
        .map(|(p, what)| format!("{what} ({})", p.display()))
        .collect();
    if missing.is_empty() {
        Ok((chromium, chromedriver))
    } else {
        Err(format!(
            "not found or not executable: {}",
            missing.join(", ")
        ))
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
