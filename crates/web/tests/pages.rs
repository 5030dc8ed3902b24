//! The pages: login with CSRF, cookie attributes, rotation, logout, and the walking
//! skeleton through plain HTML forms (no JavaScript needed).

mod common;

use common::{PASSWORD, TestApp, spawn_app};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A browser-like visitor that keeps its cookies by hand, so tests can see them.
struct Visitor<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, r: &reqwest::Response) -> Vec<String> {
        let mut raw = Vec::new();
        for v in r.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap().to_owned();
            let (pair, _) = v.split_once(';').unwrap_or((&v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !val.is_empty() {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
            raw.push(v);
        }
        raw
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let r = self
            .app
            .client
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.absorb(&r);
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let r = self
            .app
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.absorb(&r);
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        (r.status().as_u16(), location, r.text().await.unwrap())
    }

    async fn login(&mut self, username: &str) {
        let (_, html) = self.get("/login").await;
        let token = hidden(&html, "csrf_token");
        let (status, location, _) = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("csrf_token", &token),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(status, 303, "login of {username}");
        assert_eq!(location.as_deref(), Some("/"));
    }

    fn session(&self) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == "omnia_session")
            .map(|(_, v)| v.as_str())
    }
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn login_needs_the_forms_csrf_token() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.get("/login").await;
    let (status, _, html) = v
        .post(
            "/login",
            &[
                ("username", "datore.meccanica"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    assert!(html.contains("scaduto"));
    assert!(v.session().is_none());
}

#[tokio::test]
async fn a_wrong_password_is_shown_next_to_the_form_and_keeps_the_username() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let (_, html) = v.get("/login").await;
    let token = hidden(&html, "csrf_token");
    let (status, _, html) = v
        .post(
            "/login",
            &[
                ("username", "datore.meccanica"),
                ("password", "nope"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(status, 401);
    assert!(html.contains("Nome utente o password non corretti"));
    assert!(html.contains("value=\"datore.meccanica\""));
}

#[tokio::test]
async fn the_session_cookie_is_httponly_samesite_and_rotates_at_each_login() {
    let app = spawn_app().await;
    let mut first = Visitor::new(&app);
    first.login("datore.meccanica").await;
    let planted = first.session().unwrap().to_owned();

    // A browser arrives with a session id already set (say, planted by an attacker)…
    let mut v = Visitor::new(&app);
    let (_, html) = v.get("/login").await;
    let token = hidden(&html, "csrf_token");
    v.cookies.push(("omnia_session".into(), planted.clone()));
    let r = app
        .client
        .post(app.url("/login"))
        .header(COOKIE, v.cookie_header())
        .form(&[
            ("username", "datore.meccanica"),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let raw = v.absorb(&r);
    let session_cookie = raw
        .iter()
        .find(|c| c.starts_with("omnia_session="))
        .unwrap_or_else(|| panic!("{raw:?}"));
    assert!(session_cookie.contains("HttpOnly"));
    assert!(session_cookie.contains("SameSite=Lax"));
    // …and leaves the login with a new one; the old id no longer opens anything.
    let fresh = v.session().unwrap().to_owned();
    assert_ne!(fresh, planted, "a login issues a new session id");
    let r = app
        .client
        .get(app.url("/domande"))
        .header(COOKIE, format!("omnia_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, _) = v.get("/domande").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn without_a_session_pages_send_to_the_login_and_back() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/domande/nuova"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()[LOCATION],
        "/login?scaduta=1&next=/domande/nuova"
    );
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.login("datore.meccanica").await;
    let (status, _, _) = v.post("/logout", &[("csrf_token", "wrong")]).await;
    assert_eq!(status, 403);
    let (status, _) = v.get("/domande").await;
    assert_eq!(status, 200, "still signed in");
    let (_, html) = v.get("/domande").await;
    let token = hidden(&html, "csrf_token");
    let (status, location, _) = v.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
    let (status, _) = v.get("/domande").await;
    assert_eq!(status, 303, "signed out");
}

#[tokio::test]
async fn the_walking_skeleton_through_the_pages() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.login("datore.meccanica").await;
    // One employer only: straight to the choice of benefit, the suggested one preselected (R-SEL-1).
    let (status, html) = v.get("/domande/nuova").await;
    assert_eq!(status, 200);
    let employer = hidden(&html, "datore");
    assert!(
        html.contains("id=\"prestazione-cigo\" value=\"cigo\" checked"),
        "{html}"
    );
    assert!(html.contains("id=\"prestazione-cisoa-stato\">non compatibile"));
    let (status, html) = v
        .get(&format!(
            "/domande/nuova?datore={employer}&prestazione=cigo"
        ))
        .await;
    assert_eq!(status, 200, "{html}");
    let token = hidden(&html, "csrf_token");
    let unit = first_option_value(&html, "unita");
    let worker_field = html
        .split(&format!("data-unita=\"{unit}\""))
        .nth(1)
        .unwrap()
        .split("name=\"ore_")
        .nth(1)
        .map(|s| format!("ore_{}", &s[..s.find('"').unwrap()]))
        .unwrap();

    // A blocking error is shown next to its field and what was typed is kept.
    let form = |end: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("datore", employer.clone()),
            ("prestazione", "cigo".to_owned()),
            ("unita", unit.clone()),
            ("causale", "MLC".to_owned()),
            ("tipo", "sospensione".to_owned()),
            ("data_inizio", "2026-12-07".to_owned()),
            ("data_fine", end.to_owned()),
            (worker_field.as_str(), "40".to_owned()),
        ]
    };
    let bad = form("2026-12-01");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = v.post("/domande", &bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"data_fine-errore\""), "{html}");
    assert!(html.contains("value=\"2026-12-07\""));

    let good = form("2026-12-18");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, html) = v.post("/domande", &good).await;
    assert_eq!(status, 303, "{html}");
    let detail = location.unwrap();
    let detail = detail.split('?').next().unwrap().to_owned();
    let (_, html) = v.get(&detail).await;
    assert!(html.contains("Bozza"));
    let token = hidden(&html, "csrf_token");
    let (status, _, _) = v
        .post(&format!("{detail}/invio"), &[("csrf_token", &token)])
        .await;
    assert_eq!(status, 303);
    let (_, html) = v.get(&detail).await;
    assert!(html.contains("id=\"protocollo\""));

    let mut op = Visitor::new(&app);
    op.login("operatore.milano").await;
    let (_, html) = op.get("/istruttoria").await;
    assert!(html.contains(&detail), "queue lists the application");
    let (_, html) = op.get(&detail).await;
    let token = hidden(&html, "csrf_token");
    let (status, _, _) = op
        .post(
            &format!("{detail}/decisione"),
            &[
                ("csrf_token", &token),
                ("esito", "autorizzata"),
                ("motivazione", ""),
            ],
        )
        .await;
    assert_eq!(status, 303);

    let (_, html) = v.get(&detail).await;
    assert!(html.contains("Autorizzata"), "{html}");
    assert!(html.contains("id=\"autorizzazione\""));
}

fn first_option_value(html: &str, select: &str) -> String {
    let start = html.find(&format!("name=\"{select}\"")).unwrap();
    html[start..]
        .split("<option value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .find(|v| !v.is_empty())
        .unwrap()
}

#[tokio::test]
async fn a_non_compatible_benefit_needs_an_explicit_confirmation() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.login("datore.meccanica").await;
    let (_, html) = v.get("/domande/nuova").await;
    let employer = hidden(&html, "datore");
    let (status, html) = v
        .get(&format!(
            "/domande/nuova?datore={employer}&prestazione=cisoa"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("non è compatibile con"));
    let token = hidden(&html, "csrf_token");
    let unit = first_option_value(&html, "unita");
    let (status, _, html) = v
        .post(
            "/domande",
            &[
                ("csrf_token", token.as_str()),
                ("datore", employer.as_str()),
                ("prestazione", "cisoa"),
                ("prestazione_suggerita", "0"),
                ("unita", unit.as_str()),
                ("causale", "01"),
                ("tipo", "sospensione"),
                ("data_inizio", "2026-12-07"),
                ("data_fine", "2026-12-11"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"conferma_prestazione-errore\""),
        "{html}"
    );
}

#[tokio::test]
async fn italian_first_with_english_on_request() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/login")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("Accedi a OMNIA IS"));

    let r = app
        .client
        .get(app.url("/lingua?l=en&next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[LOCATION], "/login");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("omnia_lang=en;"));

    let r = app
        .client
        .get(app.url("/login"))
        .header(COOKIE, "omnia_lang=en")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Sign in to OMNIA IS"));
    assert!(html.contains("Username"));
}

#[tokio::test]
async fn the_administrator_sees_the_audit_log_and_the_delegations_others_do_not() {
    let app = spawn_app().await;
    let mut admin = Visitor::new(&app);
    admin.login("admin").await;
    let (status, html) = admin.get("/admin/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"catena\""));
    assert!(html.contains("Catena integra"), "{html}");
    assert!(html.contains("auth.login"), "the login itself is audited");
    let (status, html) = admin.get("/admin/utenti").await;
    assert_eq!(status, 200);
    assert!(html.contains("consulente.rossi"));

    let mut employer = Visitor::new(&app);
    employer.login("datore.meccanica").await;
    for path in ["/admin/audit", "/admin/utenti"] {
        let (status, html) = employer.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!html.contains("consulente.rossi"));
    }
}
