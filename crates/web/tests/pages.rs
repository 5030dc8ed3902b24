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

    /// A POST as htmx sends it (`HX-Request: true`): status, headers and body.
    async fn post_htmx(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let r = self
            .app
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .header("HX-Request", "true")
            .form(form)
            .send()
            .await
            .unwrap();
        self.absorb(&r);
        let headers = r.headers().clone();
        (r.status().as_u16(), headers, r.text().await.unwrap())
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
async fn the_walking_skeleton_through_the_guided_pages() {
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
    let token = hidden(&html, "csrf_token");
    let (status, location, _) = v
        .post(
            "/domande/bozze",
            &[
                ("csrf_token", token.as_str()),
                ("datore", employer.as_str()),
                ("prestazione", "cigo"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let request = location.unwrap();
    assert!(request.ends_with("/compila/richiesta"), "{request}");
    let base = request.trim_end_matches("/compila/richiesta").to_owned();

    // Request: an end before the start is kept as typed and reported at the review (R-APP).
    let (_, html) = v.get(&request).await;
    let unit = first_option_value(&html, "unita");
    let version = hidden(&html, "versione");
    let (status, location, _) = v
        .post(
            &request,
            &[
                ("csrf_token", token.as_str()),
                ("versione", version.as_str()),
                ("sezione", "richiesta"),
                ("unita", unit.as_str()),
                ("tipo_richiesta", "prima_richiesta"),
                ("causale", "MLC"),
                ("tipo", "sospensione"),
                ("data_inizio", "2026-12-07"),
                ("data_fine", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().ends_with("/compila/lavoratori"));
    // Back on the step, the rule's finding stands next to the field it concerns.
    let (_, html) = v.get(&request).await;
    assert!(html.contains("id=\"data_fine-errore\""), "{html}");
    assert!(
        html.contains("value=\"2026-12-01\""),
        "what was typed is kept"
    );

    // Workers of the chosen UP only.
    let (_, html) = v.get(&format!("{base}/compila/lavoratori")).await;
    let version = hidden(&html, "versione");
    let fields: Vec<String> = html
        .split("name=\"ore_")
        .skip(1)
        .take(2)
        .map(|s| format!("ore_{}", &s[..s.find('"').unwrap()]))
        .collect();
    let (status, _, _) = v
        .post(
            &format!("{base}/compila/lavoratori"),
            &[
                ("csrf_token", token.as_str()),
                ("versione", version.as_str()),
                ("sezione", "lavoratori"),
                (fields[0].as_str(), "40"),
                (fields[1].as_str(), "32"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // Headcount of the previous semester: pre-filled from the registry, editable (R-LIM-5);
    // a value that is not a number is shown back with the row marked, nothing saved.
    let (_, html) = v.get(&format!("{base}/compila/forza")).await;
    assert!(
        !hidden_value(&html, "orario_0").is_empty(),
        "pre-filled: {html}"
    );
    let version = hidden(&html, "versione");
    let (status, _, html) = v
        .post(
            &format!("{base}/compila/forza"),
            &[
                ("csrf_token", token.as_str()),
                ("versione", version.as_str()),
                ("orario_0", "40"),
                ("addetti_0", "dodici"),
                ("orario_1", ""),
                ("addetti_1", ""),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"dodici\""), "what was typed is kept");
    let (status, location, _) = v
        .post(
            &format!("{base}/compila/forza"),
            &[
                ("csrf_token", token.as_str()),
                ("versione", version.as_str()),
                ("orario_0", "40"),
                ("addetti_0", "12,50"),
                ("orario_1", "20"),
                ("addetti_1", "3"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().ends_with("/compila/relazione"));

    // Technical report, structured: every field the causale requires (R-APP-1).
    let (_, html) = v.get(&format!("{base}/compila/relazione")).await;
    let version = hidden(&html, "versione");
    let report: Vec<String> = html
        .split("name=\"rt_")
        .skip(1)
        .map(|s| format!("rt_{}", &s[..s.find('"').unwrap()]))
        .collect();
    assert!(!report.is_empty(), "MLC asks for structured report fields");
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("versione", version.as_str()),
        ("sezione", "relazione"),
        ("modalita", "strutturata"),
    ];
    form.extend(
        report
            .iter()
            .map(|f| (f.as_str(), "Calo degli ordini del 30 % nel semestre.")),
    );
    let (status, location, _) = v.post(&format!("{base}/compila/relazione"), &form).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().ends_with("/compila/indicatori"));

    // Indicators per quarter: the yearly totals are computed (R-APP-2).
    let (_, html) = v.get(&format!("{base}/compila/indicatori")).await;
    let version = hidden(&html, "versione");
    let quarters: Vec<String> = html
        .split("name=\"t_")
        .skip(1)
        .map(|s| format!("t_{}", &s[..s.find('"').unwrap()]))
        .collect();
    assert_eq!(quarters.len(), 32, "8 quarters × 4 indicators");
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("versione", version.as_str()),
        ("sezione", "indicatori"),
        ("granularita", "trimestrale"),
        ("azione", "salva"),
    ];
    form.extend(quarters.iter().map(|f| (f.as_str(), "1.000,50")));
    let (status, location, _) = v.post(&format!("{base}/compila/indicatori"), &form).await;
    assert_eq!(status, 303);
    let (_, html) = v.get(location.as_deref().unwrap()).await;
    assert!(
        html.contains("4002.00"),
        "yearly total of four quarters of 1.000,50: {html}"
    );

    // Declarations.
    let (_, html) = v.get(&format!("{base}/compila/dichiarazioni")).await;
    let version = hidden(&html, "versione");
    let (status, _, _) = v
        .post(
            &format!("{base}/compila/dichiarazioni"),
            &[
                ("csrf_token", token.as_str()),
                ("versione", version.as_str()),
                ("sezione", "dichiarazioni"),
                ("sindacale", "1"),
                ("data_sindacale", "2026-11-20"),
                ("sindacati", "FIOM, FIM, UILM"),
                ("pagamento", "conguaglio"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // The review shows the blocking error; submitting is refused.
    let (_, html) = v.get(&format!("{base}/compila/riepilogo")).await;
    assert!(html.contains("id=\"bloccanti\""), "{html}");
    let (status, _, _) = v
        .post(&format!("{base}/invio"), &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(status, 422);

    // Corrected, then submitted (forceable warnings confirmed with a note).
    let (_, html) = v.get(&request).await;
    let version = hidden(&html, "versione");
    v.post(
        &request,
        &[
            ("csrf_token", token.as_str()),
            ("versione", version.as_str()),
            ("unita", unit.as_str()),
            ("tipo_richiesta", "prima_richiesta"),
            ("causale", "MLC"),
            ("tipo", "sospensione"),
            ("data_inizio", "2026-12-07"),
            ("data_fine", "2026-12-18"),
        ],
    )
    .await;
    let (_, html) = v.get(&format!("{base}/compila/riepilogo")).await;
    assert!(!html.contains("id=\"bloccanti\""), "{html}");
    // The deadline and the UP's counters, from the rules engine (R-APP-3, R-LIM-10).
    assert!(html.contains("id=\"termine\""), "{html}");
    assert!(html.contains("id=\"contatori\""), "{html}");
    let notes: Vec<(String, String)> = html
        .split("name=\"nota_")
        .skip(1)
        .map(|s| {
            (
                format!("nota_{}", &s[..s.find('"').unwrap()]),
                "Verificato.".to_owned(),
            )
        })
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    form.extend(notes.iter().map(|(k, n)| (k.as_str(), n.as_str())));
    let (status, location, html) = v.post(&format!("{base}/invio"), &form).await;
    assert_eq!(status, 303, "{html}");
    let detail = location.unwrap();
    let detail = detail.split('?').next().unwrap().to_owned();
    let (_, html) = v.get(&detail).await;
    assert!(html.contains("id=\"protocollo\""));
    assert!(html.contains("id=\"ricevuta\""), "the receipt is offered");
    let (status, html) = v.get(&format!("{detail}/anteprima")).await;
    assert_eq!(status, 200);
    for section in [
        "Relazione tecnica",
        "Indicatori",
        "Dichiarazioni",
        "FIOM, FIM, UILM",
    ] {
        assert!(html.contains(section), "the print preview shows {section}");
    }
    let r = app
        .client
        .get(app.url(&format!("{detail}/ricevuta.pdf")))
        .header(COOKIE, v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));

    let mut op = Visitor::new(&app);
    op.login("operatore.milano").await;
    let (_, html) = op.get("/istruttoria").await;
    assert!(html.contains(&detail), "queue lists the application");
    let (_, html) = op.get(&detail).await;
    let op_token = hidden(&html, "csrf_token");
    let (status, _, _) = op
        .post(
            &format!("{detail}/decisione"),
            &[
                ("csrf_token", op_token.as_str()),
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

/// Issue 4 §8, "drafts are saved automatically": each step saves itself while the user types.
/// The autosave stores what parses (a value that does not parse keeps the saved one), never
/// answers with a page of errors, and hands back the new version and, on the request step,
/// the filing deadline and the counters recomputed from the dates typed (R-APP-3, R-LIM-10).
/// The buttons through htmx answer with `HX-Redirect`, or with the page for `#main` when
/// something must be corrected.
#[tokio::test]
async fn each_step_saves_itself_while_typing_and_the_buttons_follow_through_htmx() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.login("datore.meccanica").await;
    let (_, html) = v.get("/domande/nuova").await;
    let employer = hidden(&html, "datore");
    let token = hidden(&html, "csrf_token");
    let (_, location, _) = v
        .post(
            "/domande/bozze",
            &[
                ("csrf_token", token.as_str()),
                ("datore", employer.as_str()),
                ("prestazione", "cigo"),
            ],
        )
        .await;
    let request = location.unwrap();
    let (_, html) = v.get(&request).await;
    let unit = first_option_value(&html, "unita");
    assert!(
        html.contains("hx-sync=\"this:queue last\"") && html.contains("id=\"salvataggio\""),
        "the form queues its buttons after the autosave and has a status line"
    );
    let typed = |version: &str, causale: &'static str, end: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("versione", version.to_owned()),
            ("sezione", "richiesta".to_owned()),
            ("unita", unit.clone()),
            ("tipo_richiesta", "prima_richiesta".to_owned()),
            ("causale", causale.to_owned()),
            ("tipo", "sospensione".to_owned()),
            ("data_inizio", "2026-12-07".to_owned()),
            ("data_fine", end.to_owned()),
        ]
    };
    let form = |fields: &[(&'static str, String)], extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, String)> = fields.to_vec();
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        f
    };
    let autosave = [("salvataggio", "automatico")];

    // An autosave: the status line, the new version and the counters, out of band.
    let v0 = hidden(&html, "versione");
    let f = form(&typed(&v0, "MLC", "2026-12-18"), &autosave);
    let (status, headers, body) = v.post_htmx(&request, &refs(&f)).await;
    assert_eq!(status, 200);
    assert!(headers.get("hx-redirect").is_none());
    assert!(body.contains("Salvato alle"), "{body}");
    assert!(!body.contains("<html"), "a fragment, not a page: {body}");
    let v1 = hidden(&body, "versione");
    assert_ne!(v1, v0, "the next save must carry the new version");
    assert!(
        body.contains("id=\"contatori-dal-vivo\" hx-swap-oob=\"true\""),
        "{body}"
    );
    assert!(
        body.contains("id=\"termine\""),
        "the deadline follows the dates: {body}"
    );

    // A stale version (another window saved first): said in the status line, nothing saved.
    let f = form(&typed(&v0, "CRM", "2026-12-18"), &autosave);
    let (status, _, body) = v.post_htmx(&request, &refs(&f)).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Salvataggio automatico non riuscito"),
        "{body}"
    );
    assert!(!body.contains("<html"), "{body}");

    // A date that does not parse keeps the saved one; the rest is saved.
    let f = form(&typed(&v1, "CRM", "18/12/2026"), &autosave);
    let (status, _, body) = v.post_htmx(&request, &refs(&f)).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("i valori non validi non sono stati salvati"),
        "{body}"
    );
    let v2 = hidden(&body, "versione");
    let (_, html) = v.get(&request).await;
    assert!(
        html.contains("<option value=\"CRM\" selected>"),
        "CRM saved"
    );
    assert!(
        html.contains("value=\"2026-12-18\""),
        "the saved end date stays"
    );
    assert_eq!(hidden(&html, "versione"), v2);

    // "Salva e continua" through htmx with the bad date: the page for #main, the error next
    // to the field and what was typed kept.
    let f = form(&typed(&v2, "CRM", "18/12/2026"), &[("azione", "continua")]);
    let (status, headers, body) = v.post_htmx(&request, &refs(&f)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["hx-retarget"], "#main");
    assert!(body.contains("id=\"data_fine-errore\""), "{body}");
    assert!(
        body.contains("value=\"18/12/2026\""),
        "what was typed is kept"
    );

    // Corrected: "Salva" stays on the step, "Salva e continua" moves on, by HX-Redirect.
    let f = form(&typed(&v2, "CRM", "2026-12-11"), &[("azione", "salva")]);
    let (status, headers, _) = v.post_htmx(&request, &refs(&f)).await;
    assert_eq!(status, 200);
    let stay = headers["hx-redirect"].to_str().unwrap().to_owned();
    assert!(stay.ends_with("/compila/richiesta?salvato=1"), "{stay}");
    let (_, html) = v.get(&stay).await;
    let v3 = hidden(&html, "versione");
    let f = form(&typed(&v3, "CRM", "2026-12-11"), &[("azione", "continua")]);
    let (_, headers, _) = v.post_htmx(&request, &refs(&f)).await;
    assert!(
        headers["hx-redirect"]
            .to_str()
            .unwrap()
            .ends_with("/compila/lavoratori")
    );
}

/// A form of owned values, as `reqwest` takes it.
fn refs<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The value of an input, whatever its type.
fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.find(&marker)
        .map(|i| {
            let start = i + marker.len();
            html[start..start + html[start..].find('"').unwrap()].to_owned()
        })
        .unwrap_or_default()
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
    let token = hidden(&html, "csrf_token");
    let start = |confirm: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("datore", employer.clone()),
            ("prestazione", "cisoa".to_owned()),
            ("conferma_prestazione", confirm.to_owned()),
        ]
    };
    let unconfirmed: Vec<(&str, String)> = start("")
        .into_iter()
        .filter(|(k, _)| *k != "conferma_prestazione")
        .collect();
    let unconfirmed: Vec<(&str, &str)> =
        unconfirmed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = v.post("/domande/bozze", &unconfirmed).await;
    assert_eq!(status, 303);
    let back = location.unwrap();
    assert!(back.contains("conferma=richiesta"), "{back}");
    let (_, html) = v.get(&back).await;
    assert!(html.contains("id=\"prestazione-cisoa\" value=\"cisoa\" checked"));

    let confirmed = start("1");
    let confirmed: Vec<(&str, &str)> = confirmed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = v.post("/domande/bozze", &confirmed).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().ends_with("/compila/richiesta"));
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

#[tokio::test]
async fn an_authorised_conguaglio_application_shows_its_offset_code_with_an_explanation() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let id = app.submit_new_application(&token, &employer).await;
    let page = format!("/domande/{id}");
    let mut employer = Visitor::new(&app);
    employer.login("datore.meccanica").await;
    // Submitted, not decided: no authorisation, no offset code.
    let (_, html) = employer.get(&page).await;
    assert!(!html.contains("id=\"codice-conguaglio\""), "{html}");
    assert!(!html.contains("Codice di conguaglio"));

    // R-FLO-4: conguaglio (the default payment mode) gets its offset code with the
    // authorisation; the applicant's page shows it with what it is for.
    let operator = app.login("operatore.milano").await;
    let (status, decided) = app
        .post(
            &operator,
            &format!("/api/v1/applications/{id}/decision"),
            &serde_json::json!({"outcome": "authorised"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    let code = decided["offset_code"].as_str().expect("an offset code");
    let (status, html) = employer.get(&page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("<span id=\"codice-conguaglio\">{code}</span>")),
        "{html}"
    );
    assert!(html.contains("recupera in conguaglio sui contributi dovuti"));
    // CIGO has no fruito declaration (only the FIS and the funds).
    assert!(!html.contains("dichiarazioni delle ore fruite"));
    // The printable summary carries it too, and English pages explain it in English.
    let (_, preview) = employer.get(&format!("{page}/anteprima")).await;
    assert!(preview.contains(code), "{preview}");
    employer.get("/lingua?l=en").await;
    let (_, en) = employer.get(&page).await;
    assert!(en.contains("Offset code"), "{en}");
    assert!(en.contains("offsetting it against the contributions due"));
    // The operator who decided sees it on the same page.
    let mut office = Visitor::new(&app);
    office.login("operatore.milano").await;
    let (status, html) = office.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains(code));
}

#[tokio::test]
async fn a_rejected_application_has_no_offset_code_on_its_page() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let draft = app.create_draft(&token, &employer).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &token,
            &format!("/api/v1/applications/{id}/submission"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let operator = app.login("operatore.milano").await;
    let (status, decided) = app
        .post(
            &operator,
            &format!("/api/v1/applications/{id}/decision"),
            &serde_json::json!({"outcome": "rejected", "motivation": "Causale non documentata."}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    let mut v = Visitor::new(&app);
    v.login("datore.meccanica").await;
    let (_, html) = v.get(&format!("/domande/{id}")).await;
    assert!(html.contains("Causale non documentata."), "{html}");
    assert!(!html.contains("id=\"codice-conguaglio\""));
    let (_, preview) = v.get(&format!("/domande/{id}/anteprima")).await;
    assert!(!preview.contains("Codice di conguaglio"));
}
